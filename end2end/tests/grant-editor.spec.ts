import { expect, test, type Page } from "@playwright/test";
import { accountId, jsOn, openAccount, people, ready, signIn } from "./helpers";

/** With JavaScript the preview is live; without it, "Preview changes" re-renders the page. */
async function preview(page: Page) {
  if (!jsOn(test.info())) {
    await page.getByRole("button", { name: "Preview changes" }).click();
    await expect(page).toHaveURL(/preview=1/);
    await ready(page);
  }
}

async function saveButton(page: Page) {
  const button = page.getByRole("button", { name: /^Save as version \d+$/ });
  const label = (await button.textContent()) ?? "";
  const next = Number(label.match(/(\d+)$/)?.[1]);
  return { button, next };
}

test("an owner edits an agent's access in the capability matrix, with a proved preview", async ({ page }) => {
  await signIn(page, people.owner);
  await openAccount(page, "Northwind");
  const adv = accountId(page);

  // An agent with an active grant.
  await page.goto(`/accounts/${adv}/agents?status=active`);
  await ready(page);
  const link = page.getByRole("table").getByRole("row").nth(1).getByRole("link").first();
  const agentName = ((await link.textContent()) ?? "").trim();
  await link.click();
  await expect(page.getByRole("heading", { level: 1, name: new RegExp(agentName) })).toBeVisible();
  await ready(page);
  await page.getByRole("link", { name: "Edit access" }).click();
  await expect(page.getByRole("heading", { level: 1, name: `Edit access of ${agentName}` })).toBeVisible();
  await ready(page);
  const editUrl = page.url().split("?")[0];
  await page.screenshot({ path: `/tmp/shots/grant-editor-${test.info().project.name}.png`, fullPage: true });

  // The matrix starts from the current grant (a purpose template): no billing; cells the
  // template covers in part are marked and left unticked.
  const billing = page.getByLabel("Billing — read", { exact: true });
  await expect(billing).not.toBeChecked();
  await expect(page.getByText(/partly granted now, \d+ of \d+ actions/).first()).toBeAttached();
  await expect(page.getByLabel("Account and users — manage permissions", { exact: true })).not.toBeChecked();

  // A data scope on another account is refused with a clear message.
  const resources = page.getByLabel("Resources");
  const ownScope = await resources.inputValue();
  expect(ownScope).toContain(`:${adv}:*`);
  await resources.fill(`arn:ads:us:ADVOTHER1:*`);
  await page.getByLabel("Reports — read", { exact: true }).check();
  await preview(page);
  await expect(page.getByRole("alert").filter({ hasText: "is for another account" })).toBeVisible();
  await page.getByLabel("Resources").fill(ownScope);

  // Ticking "Billing — read" is new access, and the account's guardrail blocks it.
  const before = page.url();
  await page.getByLabel("Billing — read", { exact: true }).check();
  if (jsOn(test.info())) {
    // Computed in the browser: the preview changes without a navigation.
    await expect(page.getByRole("heading", { name: "New access" })).toBeVisible();
    expect(page.url()).toBe(before);
  }
  await preview(page);
  await expect(page.getByRole("heading", { name: "New access" })).toBeVisible();
  await expect(page.getByText(/billing:\w+ on arn:ads:/).first()).toBeVisible();
  const blockers = page.locator(".editor__blockers");
  await expect(blockers).toContainText("Cannot be saved");
  await expect(blockers).toContainText("No agent may touch billing");
  await page.screenshot({ path: `/tmp/shots/grant-editor-blocked-${test.info().project.name}.png`, fullPage: true });

  // The server refuses the save too, with the reason; nothing is written.
  const { button: blockedSave, next } = await saveButton(page);
  await blockedSave.click();
  if (jsOn(test.info())) {
    await expect(page.getByRole("alert").filter({ hasText: "Not saved" })).toContainText("No agent may touch billing");
  } else {
    await expect(page.getByRole("heading", { name: "That did not work" })).toBeVisible();
    await expect(page.getByText(/Not saved: guardrail .No agent may touch billing. is violated/)).toBeVisible();
  }

  // A clean change: listing and reading reports in full (cells the template covers only in
  // part are dropped), saved as the next version.
  await page.goto(editUrl);
  await ready(page);
  await page.getByLabel("Reports — list", { exact: true }).check();
  await page.getByLabel("Reports — read", { exact: true }).check();
  await page.getByLabel(/^Note/).fill("Read reports in full");
  await preview(page);
  await expect(page.locator(".editor__blockers")).toHaveCount(0);
  const first = await saveButton(page);
  expect(first.next).toBe(next);
  await first.button.click();
  await expect(page.getByRole("status")).toContainText(`saved as version ${next}`);
  await expect(page.getByRole("heading", { level: 3, name: `Version ${next}` })).toBeVisible();
  await ready(page);

  // The editor now starts from that version: the cell is ticked. Unticking it removes access.
  await page.getByRole("link", { name: "Edit access" }).click();
  await expect(page.getByRole("heading", { level: 1, name: `Edit access of ${agentName}` })).toBeVisible();
  await ready(page);
  const reports = page.getByLabel("Reports — read", { exact: true });
  await expect(reports).toBeChecked();
  await expect(page.getByLabel("Reports — list", { exact: true })).toBeChecked();
  await expect(page.getByLabel("Billing — read", { exact: true })).not.toBeChecked();
  await reports.uncheck();
  await preview(page);
  await expect(page.getByRole("heading", { name: "Access removed" })).toBeVisible();
  const second = await saveButton(page);
  expect(second.next).toBe(next + 1);
  await second.button.click();
  await expect(page.getByRole("status")).toContainText(`saved as version ${next + 1}`);
  const versions = page.getByRole("region", { name: "Grant versions" });
  await expect(versions.getByRole("heading", { level: 3, name: `Version ${next + 1}` })).toBeVisible();
  await expect(versions.getByText("Read reports in full")).toBeVisible();

  // A viewer cannot open the editor.
  await page.context().clearCookies();
  await signIn(page, people.viewer, new URL(editUrl).pathname);
  await expect(page.getByRole("heading", { name: "Not allowed" })).toBeVisible();
});
