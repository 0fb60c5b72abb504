import { expect, test } from "@playwright/test";
import { openAccount, people, ready, signIn } from "./helpers";

test("an owner sees every agent on the account and revokes one; it stays revoked after reload", async ({ page }) => {
  await signIn(page, people.owner);
  await openAccount(page, "Northwind Outdoor");

  // The list shows agents across partners, with the documented columns.
  const table = page.getByRole("table");
  for (const col of ["Agent", "Partner · application", "Purpose", "Status", "Granted on", "Expires"]) {
    await expect(table.getByRole("columnheader", { name: col, exact: true })).toBeVisible();
  }
  await expect(page.getByText(/Page 1 of \d+ · \d+ agents/)).toBeVisible();
  await expect(table.getByText("Quantive Labs").first()).toBeVisible();
  await expect(table.getByText("Brightline Agency").first()).toBeVisible();

  // Search narrows the list.
  await page.getByLabel("Search").fill("Bid Pilot");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/search=Bid\+Pilot|search=Bid%20Pilot/);
  await expect(page.getByText("Page 1 of 1 · 1 agents")).toBeVisible();
  const row = page.getByRole("row", { name: /Bid Pilot/ });
  await expect(row.getByText("Active", { exact: true })).toBeVisible();
  await ready(page);

  // Open it, revoke with confirmation.
  await row.getByRole("link", { name: "Bid Pilot", exact: true }).click();
  await expect(page.getByRole("heading", { level: 1, name: /Bid Pilot/ })).toBeVisible();
  await ready(page);
  await page.getByRole("link", { name: "Revoke access…" }).click();
  await expect(page.getByRole("heading", { name: "Revoke Bid Pilot?" })).toBeVisible();
  await ready(page);
  await page.getByLabel(/Reason/).fill("Moving bid management in-house");
  await page.getByRole("button", { name: "Revoke access" }).click();

  await expect(page.getByRole("status")).toContainText("Access revoked");
  const grant = page.getByRole("region", { name: "Grant on this account" });
  await expect(grant.getByText("Revoked", { exact: true }).first()).toBeVisible();
  await expect(page.getByRole("link", { name: "Revoke access…" })).toHaveCount(0);
  // The history records who revoked it and why.
  const history = page.getByRole("region", { name: "History" });
  await expect(history.getByText("Access revoked")).toBeVisible();
  await expect(history.getByText("Moving bid management in-house")).toBeVisible();

  // After a reload the grant is still revoked, and the list agrees.
  await page.reload();
  await expect(grant.getByText("Revoked", { exact: true }).first()).toBeVisible();
  await page.getByRole("link", { name: "← All agents" }).click();
  await page.getByLabel("Search").fill("Bid Pilot");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page.getByRole("row", { name: /Bid Pilot/ }).getByText("Revoked", { exact: true })).toBeVisible();
});

test("filters by partner and status, and pages through the list", async ({ page }) => {
  await signIn(page, people.owner);
  await openAccount(page, "Northwind Outdoor");
  await page.getByLabel("Partner").selectOption({ label: "Quantive Labs" });
  await page.getByLabel("Status").selectOption({ label: "Active" });
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/status=active/);
  const rows = page.getByRole("table").getByRole("row");
  const count = await rows.count();
  expect(count).toBeGreaterThan(1); // header + at least one
  for (let i = 1; i < count; i++) {
    await expect(rows.nth(i)).toContainText("Quantive Labs");
    await expect(rows.nth(i).getByText("Active", { exact: true })).toBeVisible();
  }
  // The "Expired" tile lists only grants past their expiry, and its count matches the list.
  const tile = page.getByRole("link", { name: /Expired/ });
  const expected = Number((await tile.locator(".stat__value").textContent())!.trim());
  expect(expected).toBeGreaterThan(0);
  await tile.click();
  await expect(page).toHaveURL(/status=expired/);
  await expect(page.getByText(new RegExp(`Page 1 of \\d+ · ${expected} agents`))).toBeVisible();
  const expiredRows = page.getByRole("table").getByRole("row");
  for (let i = 1; i < (await expiredRows.count()); i++) {
    await expect(expiredRows.nth(i).getByText("Expired", { exact: true })).toBeVisible();
  }
  // Bad filter input gets a clear error, not a crash.
  const res = await page.goto(new URL(page.url()).pathname + "?status=gone");
  expect(res?.status()).toBe(400);
  await expect(page.getByText("`gone` is not a valid grant status")).toBeVisible();
});
