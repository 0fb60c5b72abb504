import { expect, test } from "@playwright/test";
import { openAccount, people, ready, signIn } from "./helpers";

test("revoke all agents of one partner: typed confirmation, other partners keep access", async ({ page }) => {
  await signIn(page, people.owner);
  await openAccount(page, "Northwind Outdoor");
  await ready(page);
  await page.getByLabel("Partner").selectOption({ label: "Quantive Labs" });
  await page.getByRole("button", { name: "Apply" }).click();
  await page.getByRole("link", { name: "Revoke all agents of Quantive Labs…" }).click();
  await expect(
    page.getByRole("heading", { name: "Revoke all agents of Quantive Labs on Northwind Outdoor?" }),
  ).toBeVisible();
  await ready(page);

  // The account name is not the partner name: nothing is revoked.
  await page.getByLabel(/Type the partner name/).fill("Northwind Outdoor");
  await page.getByRole("button", { name: "Revoke all agents" }).click();
  await expect(page.getByRole("alert")).toContainText("does not match");
  await ready(page);

  await page.getByLabel(/Type the partner name/).fill("Quantive Labs");
  await page.getByRole("button", { name: "Revoke all agents" }).click();
  await expect(page.getByRole("status")).toContainText(/Revoked \d+ agent grant\(s\) of this partner/);

  // Quantive has no active agent left; another partner still has some.
  await page.getByLabel("Partner").selectOption({ label: "Quantive Labs" });
  await page.getByLabel("Status").selectOption({ label: "Active" });
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page.getByRole("heading", { name: "No agents match" })).toBeVisible();
  await page.getByLabel("Partner").selectOption({ label: "All partners" });
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page.getByRole("table")).toBeVisible();
  await page.getByRole("link", { name: "Activity" }).click();
  await expect(page.getByRole("row", { name: /All agents of a partner revoked/ }).first()).toBeVisible();
});
