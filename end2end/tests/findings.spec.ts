import { expect, test } from "@playwright/test";
import { accountId, openAccount, people, ready, signIn } from "./helpers";

test("an owner reviews unused access and applies least privilege, proved to grant nothing new", async ({ page }) => {
  await signIn(page, people.owner);
  await openAccount(page, "Northwind Outdoor");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Unused access" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Unused access" })).toBeVisible();
  await ready(page);
  await expect(page.getByText(/idle agents? \(no decision in the last 30 days\)/)).toBeVisible();

  // The window is a GET form: it works without JavaScript and lives in the URL.
  await page.getByLabel("Window").selectOption({ label: "Last 90 days" });
  await page.getByRole("button", { name: "Show" }).click();
  await expect(page).toHaveURL(/window=90/);
  await expect(page.getByText(/in the last 90 days/).first()).toBeVisible();

  // Bid Pilot used some of its grant (the demo's decisions): the rest is listed by namespace.
  const card = page.getByRole("region", { name: "Bid Pilot" });
  await expect(card.getByText(/of \d+ granted actions used/)).toBeVisible();
  await expect(card.getByRole("table", { name: "Unused actions by namespace" })).toBeVisible();
  await expect(card.getByText("check_no_new_access")).toBeVisible();
  await expect(card.getByText("PASS", { exact: true })).toBeVisible();

  await card.getByRole("button", { name: "Apply least privilege to Bid Pilot" }).click();
  await expect(page.getByRole("status")).toContainText("Least privilege applied: the grant is now version");
  await expect(page.getByRole("status")).toContainText("check_no_new_access passed");

  // The agent's page shows the new version and its note.
  const adv = accountId(page);
  await page.goto(`/accounts/${adv}/agents`);
  await ready(page);
  await page.getByRole("row", { name: /Bid Pilot/ }).getByRole("link", { name: "Bid Pilot", exact: true }).click();
  await expect(page.getByText(/Least privilege: removed \d+ actions unused in the last 90 days; check_no_new_access: PASS/).first()).toBeVisible();
});

test("a viewer sees the findings but cannot apply them", async ({ page }) => {
  await signIn(page, people.viewer);
  await openAccount(page, "Northwind Outdoor");
  const adv = accountId(page);
  await page.goto(`/accounts/${adv}/findings`);
  await ready(page);
  await expect(page.getByRole("heading", { level: 1, name: "Unused access" })).toBeVisible();
  await expect(page.getByRole("region", { name: "Bid Pilot" })).toBeVisible();
  await expect(page.getByRole("button", { name: /Apply least privilege/ })).toHaveCount(0);
});
