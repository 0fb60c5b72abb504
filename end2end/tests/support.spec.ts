import { expect, test } from "@playwright/test";
import { accountId, openAccount, people, ready, signIn } from "./helpers";

test("support must give a reason before a read-only view, and the view shows up in the audit history", async ({ browser, page }) => {
  // Find Northwind's id as its owner.
  const ownerCtx = await browser.newContext();
  const owner = await ownerCtx.newPage();
  await signIn(owner, people.owner);
  await openAccount(owner, "Northwind Outdoor");
  const adv = accountId(owner);

  await signIn(page, people.support);
  // Straight to the account: refused until a reason is given.
  const direct = await page.goto(`/accounts/${adv}/agents`);
  expect(direct?.status()).toBe(403);
  await expect(page.getByRole("heading", { name: "A reason is needed" })).toBeVisible();

  await page.goto("/support");
  await ready(page);
  await page.getByLabel("Account name, marketplace or id").fill("Northwind");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page.getByText("Northwind Outdoor")).toBeVisible();
  await page.getByRole("link", { name: "Inspect…" }).first().click();
  await ready(page);

  await page.getByLabel(/Reason for looking at/).fill("Ticket 4411: customer asks why an agent stopped");
  await page.getByRole("button", { name: "Open read-only view" }).click();

  await expect(page.getByRole("heading", { name: "Agents with access" })).toBeVisible();
  await expect(page.getByText("Read-only support view.")).toBeVisible();
  await expect(page.getByText("Ticket 4411: customer asks why an agent stopped").first()).toBeVisible();
  await expect(page.getByRole("link", { name: /^Revoke/ })).toHaveCount(0);
  await expect(page.getByText("Emergency stop")).toHaveCount(0);

  // The owner sees the support look, with the reason, in the account's activity.
  await owner.goto(`/accounts/${adv}/activity`);
  const rows = owner.getByRole("row", { name: /Support opened a read-only view/ });
  await expect(rows.first()).toContainText("Ticket 4411: customer asks why an agent stopped");
  await expect(rows.first()).toContainText("Sam Support");
  await expect(owner.getByRole("row", { name: /Support viewed/ }).first()).toBeVisible();
  await ownerCtx.close();
});

test("someone who is not support cannot use the support console", async ({ page }) => {
  await signIn(page, people.owner);
  const res = await page.goto("/support");
  expect(res?.status()).toBe(404);
});
