import { expect, test, type Page } from "@playwright/test";
import { accountId, openAccount, people, ready, signIn } from "./helpers";

/** Opens an agent's detail page on Northwind as its owner. */
async function openAgent(page: Page, name: string) {
  await signIn(page, people.owner);
  await openAccount(page, "Northwind");
  await page.goto(`/accounts/${accountId(page)}/agents?search=${encodeURIComponent(name)}`);
  await ready(page);
  await page.getByRole("link", { name, exact: true }).first().click();
  await expect(page.getByRole("heading", { level: 1, name: new RegExp(name) })).toBeVisible();
  await ready(page);
}

test("an owner sees the delegation tree: Bid Pilot passed part of its access to Dayparting Agent", async ({ page }) => {
  await openAgent(page, "Bid Pilot");

  // The demo data holds one delegation: Bid Pilot's token exchanged for a narrower one.
  const tree = page.getByRole("region", { name: "Delegation tree" });
  await expect(tree).toContainText("Bid Pilot holds the grant on this account");
  const child = tree.getByRole("listitem").filter({ hasText: "Dayparting Agent" }).last();
  await expect(child).toContainText("Depth 1");
  // Its state depends on the clock (the demo token lives ten minutes).
  await expect(child).toContainText(/Active|Expired/);
  await child.getByLabel("Delegated scope of Dayparting Agent").click();
  await expect(child.locator("pre")).toContainText('"sp:UpdateKeywordBid"');

  // The version history: the newest is current, the oldest is the first.
  const versions = page.getByRole("region", { name: "Grant versions" });
  await expect(versions.getByRole("listitem").first()).toContainText("Current");
  await expect(versions.getByRole("heading", { name: "Version 1" })).toBeVisible();
  await expect(versions.getByRole("listitem").last()).toContainText("First version of the grant");
  await page.screenshot({ path: `/tmp/shots/delegations-${test.info().project.name}.png`, fullPage: true });
});

test("an agent that never delegated shows the empty tree and its single grant version", async ({ page }) => {
  await openAgent(page, "Bid Guard");

  const tree = page.getByRole("region", { name: "Delegation tree" });
  await expect(tree).toContainText("No delegations. Bid Guard has not passed its access on to another agent.");
  await expect(tree.getByRole("list", { name: "Delegations" })).toHaveCount(0);

  // Every demo grant starts at version 1.
  const versions = page.getByRole("region", { name: "Grant versions" });
  await expect(versions.getByRole("heading", { name: /^Version \d+$/ })).toHaveCount(1);
  await expect(versions.getByRole("heading", { name: "Version 1" })).toBeVisible();
  await expect(versions).toContainText("Current");
  await expect(versions).toContainText("First version of the grant");
  await versions.getByLabel("Policy of version 1").click();
  await expect(versions.getByText(/Purpose template|"Statement"/)).toBeVisible();
  await page.screenshot({ path: `/tmp/shots/agent-detail-${test.info().project.name}.png`, fullPage: true });
});
