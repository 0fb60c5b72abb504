import { expect, test } from "@playwright/test";
import { people, ready, signIn } from "./helpers";

test("a partner developer creates an application and registers an agent; other partners stay hidden", async ({ page }) => {
  await signIn(page, people.developer);
  await page.getByRole("link", { name: /Quantive Labs/ }).first().click();
  await expect(page.getByRole("heading", { level: 1, name: "Quantive Labs" })).toBeVisible();
  await ready(page);
  const appName = `Test App ${test.info().project.name}`;
  await page.getByLabel("Name", { exact: true }).fill(appName);
  await page.getByLabel("Description", { exact: true }).fill("Created by the browser test");
  await page.getByRole("button", { name: "Create application" }).click();
  await expect(page.getByRole("status")).toContainText("Application created");
  const app = page.getByRole("region", { name: appName });
  await expect(app).toBeVisible();
  await ready(page);

  await app.getByText(`Register an agent under ${appName}`).click();
  await app.getByLabel("Agent name").fill("Spec Agent");
  await app.getByLabel("What it does").fill("Checks the registration flow");
  await app.getByLabel("Reporting").check();
  await app.getByLabel("Budget pacing").check();
  await app.getByRole("button", { name: "Register agent" }).click();
  await expect(page.getByRole("status")).toContainText("Agent registered");
  const row = page.getByRole("region", { name: appName }).getByRole("row", { name: /Spec Agent/ });
  await expect(row).toContainText("Reporting, Budget pacing");
  await expect(row).toContainText(/agt_[0-9A-Z]{26}/);

  // A partner this developer does not belong to is a 404.
  await page.goto("/partners");
  const partners = await page.getByRole("link", { name: /Partner console|Quantive|Aurora/ }).count();
  expect(partners).toBeGreaterThan(0);
  const res = await page.goto("/partners/ptn_01JZZZZZZZZZZZZZZZZZZZZZZZ");
  expect(res?.status()).toBe(404);
});
