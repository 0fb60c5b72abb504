import { expect, test } from "@playwright/test";
import { accountId, openAccount, people, ready, signIn } from "./helpers";

// Demo data: Bid Pilot on Northwind has a $500.00 daily cap and 30 days of committed spend;
// Bid Guard's circuit breaker tripped three times and is terminated.

test("an owner sees spend against the caps as gauges and a chart, and changes a cap", async ({ page }) => {
  await signIn(page, people.owner);
  await openAccount(page, "Northwind Outdoor");

  // The list shows today's spend per agent as a meter.
  const pilotRow = page.getByRole("row", { name: /Bid Pilot/ });
  await expect(pilotRow.getByRole("meter")).toHaveAttribute("aria-label", /^Today: \$[\d,]+\.\d\d of \$500\.00$/);

  await pilotRow.getByRole("link", { name: "Bid Pilot", exact: true }).click();
  await expect(page.getByRole("heading", { level: 1, name: /Bid Pilot/ })).toBeVisible();
  await ready(page);
  for (const window of ["Today", "This month", "Lifetime"]) {
    await expect(page.getByRole("meter", { name: new RegExp(`^${window}: `) })).toBeVisible();
  }
  const chart = page.getByRole("img", { name: /Committed spend per day/ });
  await expect(chart).toBeVisible();
  await expect(page.locator("figcaption")).toContainText(/committed over 30 days; the highest day was/);
  await expect(page.getByRole("heading", { name: "Spend ledger" })).toBeVisible();
  await expect(page.getByRole("cell", { name: "Committed" }).first()).toBeVisible();

  // Bad input is named (in the form with JavaScript, on an error page without), and nothing
  // changes.
  const agentUrl = page.url().replace(/[?#].*$/, "");
  await page.getByText("Change spend caps").click();
  await page.getByLabel("Daily cap (USD)").fill("abc");
  await page.getByRole("button", { name: "Save caps" }).click();
  await expect(page.getByText("daily cap: `abc` is not an amount")).toBeVisible();

  // A good cap is saved and the gauge follows.
  await page.goto(agentUrl);
  await ready(page);
  await page.getByText("Change spend caps").click();
  await page.getByLabel("Daily cap (USD)").fill("650");
  await page.getByRole("button", { name: "Save caps" }).click();
  await expect(page.getByRole("status")).toContainText("Spend caps saved");
  await expect(page.getByRole("meter", { name: /^Today: / })).toHaveAttribute("aria-label", /of \$650\.00$/);
});

test("a terminated breaker is flagged on every account page, and an admin resets it", async ({ page }) => {
  await signIn(page, people.admin);
  await openAccount(page, "Northwind Outdoor");
  const adv = accountId(page);
  const banner = page.getByRole("note").filter({ hasText: "Circuit breaker terminated: Bid Guard" });
  await expect(banner).toBeVisible();
  await page.goto(`/accounts/${adv}/activity`);
  await ready(page);
  await expect(banner).toBeVisible();

  await banner.getByRole("link", { name: "Review and reset" }).click();
  await expect(page.getByRole("heading", { level: 1, name: /Bid Guard/ })).toBeVisible();
  await ready(page);
  const breaker = page.getByRole("region", { name: "Circuit breaker" });
  await expect(breaker.getByText("Terminated · calls denied")).toBeVisible();
  await expect(breaker.getByText(/relapse while probing: 131 requests/)).toBeVisible();
  await breaker.getByRole("button", { name: "Reset breaker for Bid Guard" }).click();
  await expect(page.getByRole("status")).toContainText("Breaker reset");
  await expect(page.getByRole("region", { name: "Circuit breaker" }).getByText("Closed · calls flow")).toBeVisible();
  await expect(page.getByRole("note").filter({ hasText: "Circuit breaker" })).toHaveCount(0);

  // The alerts page keeps the whole story, the reset first.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Alerts" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Breaker alerts" })).toBeVisible();
  const history = page.getByRole("region", { name: "Breaker history" });
  await expect(history.getByRole("row").nth(1)).toContainText("manual reset by Adam Admin");
  await expect(history.getByText("14 denied requests in the last minute (limit 10)")).toBeVisible();
});

test("an owner sets the alert webhook and sees its signing secret exactly once", async ({ page }) => {
  await signIn(page, people.owner);
  await openAccount(page, "Northwind Outdoor");
  const adv = accountId(page);
  await page.goto(`/accounts/${adv}/alerts`);
  await ready(page);
  await page.getByLabel("Webhook URL").fill("https://hooks.example.com/charter");
  await page.getByRole("button", { name: "Save webhook" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Webhook saved" })).toBeVisible();
  const secret = page.getByLabel("Signing secret");
  await expect(secret).toHaveText(/^whsec_[0-9a-f]{48}$/);
  const value = (await secret.textContent())!;

  await page.reload();
  await ready(page);
  await expect(page.getByText(value)).toHaveCount(0);
  await expect(page.getByText(`whsec_…${value.slice(-4)}`)).toBeVisible();
  await expect(page.getByText("https://hooks.example.com/charter").first()).toBeVisible();
});
