import { expect, test } from "@playwright/test";
import { accountId, openAccount, people, ready, signIn } from "./helpers";

test("an owner filters the activity log by decision and agent, and exports it", async ({ page }) => {
  await signIn(page, people.owner);
  await openAccount(page, "Northwind Outdoor");
  const adv = accountId(page);
  await page.goto(`/accounts/${adv}/activity`);
  await ready(page);
  await expect(page.getByRole("heading", { level: 1, name: "Activity" })).toBeVisible();

  // Every filter has a label.
  for (const label of ["Agent", "Action", "Kind", "From", "Until (inclusive)"]) {
    await expect(page.getByLabel(label, { exact: true })).toBeVisible();
  }

  // The demo holds a few decisions by Bid Pilot: allowed and denied, each with its reason.
  const table = page.getByRole("table");
  await expect(table.getByText("Allowed", { exact: true }).first()).toBeVisible();
  await expect(table.getByText("Denied", { exact: true }).first()).toBeVisible();

  // Only denials: a GET form, so the filters are in the URL (and work without JavaScript).
  await page.getByLabel("Kind").selectOption({ label: "Denied decisions" });
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/decision=deny/);
  await expect(table.getByText("Denied", { exact: true }).first()).toBeVisible();
  await expect(table.getByText("Allowed", { exact: true })).toHaveCount(0);
  await expect(table.getByText("guardrail_denied")).toBeVisible();
  await expect(table.getByText("policy_denied")).toBeVisible();
  await expect(page.getByText(/Page 1 of 1 · 2 events/)).toBeVisible();

  // Narrow to one agent and a catalog action prefix; then clear.
  await ready(page);
  await page.getByLabel("Agent").selectOption({ label: "Bid Pilot" });
  await page.getByLabel("Action").fill("billing:*");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/action=billing%3A\*|action=billing:\*/);
  await expect(page.getByText(/Page 1 of 1 · 1 events/)).toBeVisible();
  await expect(table.getByText("billing:GetInvoice")).toBeVisible();

  // The export links carry the same filters; the download is the filtered log.
  const csvLink = page.getByRole("link", { name: "Export CSV" });
  const href = await csvLink.getAttribute("href");
  expect(href).toContain("format=csv");
  expect(href).toContain("decision=deny");
  // The page's own request context shares the session cookie.
  const csv = await page.request.get(href!);
  expect(csv.status()).toBe(200);
  expect(csv.headers()["content-type"]).toContain("text/csv");
  const lines = (await csv.text()).trim().split("\n");
  expect(lines[0]).toMatch(/^seq,id,created_at/);
  expect(lines).toHaveLength(2);
  expect(lines[1]).toContain("billing:GetInvoice");

  await page.getByRole("link", { name: "Clear" }).click();
  await expect(page).toHaveURL(new RegExp(`/accounts/${adv}/activity$`));

  // The export itself is recorded in the activity.
  await page.reload();
  await expect(table.getByText("Activity exported").first()).toBeVisible();
});

test("a bad filter is a clear 400, and another account's export is not found", async ({ browser, page }) => {
  await signIn(page, people.owner);
  await openAccount(page, "Northwind Outdoor");
  const adv = accountId(page);
  const res = await page.goto(`/accounts/${adv}/activity?since=not-a-date`);
  expect(res?.status()).toBe(400);
  await expect(page.getByText(/not a valid date or time/)).toBeVisible();

  // The owner of another account gets the same 404 as for an account that does not exist.
  const other = await browser.newContext();
  const otherPage = await other.newPage();
  await signIn(otherPage, people.bergfeld);
  const foreign = await otherPage.goto(`/accounts/${adv}/activity/export?format=csv`);
  expect(foreign?.status()).toBe(404);
  await other.close();
});
