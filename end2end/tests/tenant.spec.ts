import { expect, test } from "@playwright/test";
import { accountId, openAccount, people, signIn } from "./helpers";

test("another advertiser's agent id gives 404, exactly like an unknown id", async ({ browser, page }) => {
  // Learn a real Bergfeld agent URL as Bergfeld's owner, in a separate browser context.
  const other = await browser.newContext();
  const otherPage = await other.newPage();
  await signIn(otherPage, people.bergfeld);
  await openAccount(otherPage, "Bergfeld Küchen");
  await otherPage.getByRole("table").getByRole("row").nth(1).getByRole("link").first().click();
  await expect(otherPage.getByRole("region", { name: "Identity" })).toBeVisible();
  const foreignAgent = new URL(otherPage.url()).pathname;
  const foreignAccount = accountId(otherPage);
  await other.close();

  await signIn(page, people.owner);
  for (const path of [
    foreignAgent,
    `/accounts/${foreignAccount}/agents`,
    `/accounts/${foreignAccount}/activity`,
    "/accounts/adv_01JZZZZZZZZZZZZZZZZZZZZZZZ/agents",
    "/accounts/not-an-id/agents/also-not",
    "/no/such/page",
  ]) {
    const res = await page.goto(path);
    expect(res?.status(), path).toBe(404);
    await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
    await expect(page.getByText("Bergfeld")).toHaveCount(0);
  }

  // The owner's own agent from their own account works.
  await openAccount(page, "Northwind Outdoor");
  const own = page.getByRole("table").getByRole("row").nth(1).getByRole("link").first();
  await own.click();
  await expect(page.getByRole("region", { name: "Identity" })).toBeVisible();
  // Swapping in the foreign account id keeps the agent hidden.
  const ownAgent = new URL(page.url()).pathname.split("/")[4];
  const swapped = await page.goto(`/accounts/${foreignAccount}/agents/${ownAgent}`);
  expect(swapped?.status()).toBe(404);
});
