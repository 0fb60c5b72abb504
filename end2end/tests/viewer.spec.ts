import { expect, test } from "@playwright/test";
import { accountId, csrfToken, openAccount, people, signIn } from "./helpers";

test("a viewer sees agents but has no revoke control, and a forged revoke post is refused", async ({ page }) => {
  await signIn(page, people.viewer);
  await openAccount(page, "Northwind Outdoor");
  await expect(page.getByText("You have view-only access to this account.")).toBeVisible();
  await expect(page.getByRole("table").getByRole("row").nth(1)).toBeVisible();
  await expect(page.getByRole("link", { name: /^Revoke/ })).toHaveCount(0);
  await expect(page.getByRole("button", { name: /Revoke/ })).toHaveCount(0);

  // Open an active agent: no revoke control on the detail page either.
  await page.getByLabel("Status").selectOption({ label: "Active" });
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/status=active/);
  const first = page.getByRole("table").getByRole("row").nth(1).getByRole("link").first();
  const agentName = (await first.textContent())!.trim();
  await first.click();
  await expect(page.getByRole("heading", { level: 1, name: new RegExp(agentName) })).toBeVisible();
  await expect(page.getByRole("link", { name: "Revoke access…" })).toHaveCount(0);
  const agentUrl = page.url();
  const agentId = new URL(agentUrl).pathname.split("/")[4];
  const adv = accountId(page);

  // The confirmation page itself refuses a viewer.
  const confirm = await page.goto(`/accounts/${adv}/agents/${agentId}/revoke`);
  await expect(page.getByRole("heading", { name: "Not allowed" })).toBeVisible();
  expect(confirm?.status()).toBe(403);

  // A hand-made post with a valid session and CSRF token is still refused by the server.
  await page.goto(agentUrl);
  const csrf = await csrfToken(page);
  const forged = await page.request.post("/api/revoke_grant", {
    form: { advertiser_id: adv, agent_id: agentId, csrf },
    headers: { Accept: "application/json" },
  });
  expect(forged.status()).toBe(403);
  const all = await page.request.post("/api/revoke_all", {
    form: { advertiser_id: adv, confirm_name: "Northwind Outdoor", csrf },
    headers: { Accept: "application/json" },
  });
  expect(all.status()).toBe(403);

  await page.reload();
  await expect(page.getByRole("region", { name: "Grant on this account" }).getByText("Active", { exact: true }).first()).toBeVisible();
});
