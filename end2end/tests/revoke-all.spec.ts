import { expect, test } from "@playwright/test";
import { openAccount, people, ready, signIn } from "./helpers";

test("revoke all agents needs the account name typed, then revokes every grant", async ({ page }) => {
  await signIn(page, people.owner);
  await openAccount(page, "Halcyon Home");
  await page.getByRole("link", { name: "Revoke all agents…" }).click();
  await expect(page.getByRole("heading", { name: "Revoke all agents on Halcyon Home?" })).toBeVisible();
  await ready(page);

  // A wrong name revokes nothing.
  await page.getByLabel(/Type the account name/).fill("Halcyon");
  await page.getByRole("button", { name: "Revoke all agents" }).click();
  await expect(page.getByRole("alert")).toContainText("does not match");
  await ready(page);

  await page.getByLabel(/Type the account name/).fill("Halcyon Home");
  await page.getByLabel(/Reason/).fill("Security review");
  await page.getByRole("button", { name: "Revoke all agents" }).click();
  await expect(page.getByRole("status")).toContainText(/Revoked \d+ agent grant/);

  for (const status of ["Active", "Suspended"]) {
    await page.getByLabel("Status").selectOption({ label: status });
    await page.getByRole("button", { name: "Apply" }).click();
    await expect(page.getByRole("heading", { name: "No agents match" })).toBeVisible();
  }
  await page.reload();
  await expect(page.getByRole("heading", { name: "No agents match" })).toBeVisible();
  await page.getByRole("link", { name: "Activity" }).click();
  await expect(page.getByRole("row", { name: /All agents revoked/ }).first()).toContainText("Security review");
});
