import { expect, test, type Page, type TestInfo } from "@playwright/test";

export const people = {
  owner: { email: "owner@northwind.example", password: "demo-owner-pass" },
  admin: { email: "admin@northwind.example", password: "demo-admin-pass" },
  viewer: { email: "viewer@northwind.example", password: "demo-viewer-pass" },
  bergfeld: { email: "owner@bergfeld.example", password: "demo-bergfeld-pass" },
  developer: { email: "dev@quantive.example", password: "demo-developer-pass" },
  support: { email: "support@charter.example", password: "demo-support-pass" },
};

export const jsOn = (info: TestInfo) => info.project.name === "js-on";

/** Waits until the page is interactive: hydrated with JavaScript on, loaded with it off. */
export async function ready(page: Page) {
  await page.waitForLoadState("load");
  if (jsOn(test.info())) {
    // The hydrate entry point marks <body> once the wasm app is interactive.
    await page.locator("body[data-hydrated]").waitFor({ state: "attached", timeout: 30_000 });
  }
}

export async function signIn(page: Page, who: { email: string; password: string }, next = "/accounts") {
  await page.goto(`/signin?next=${encodeURIComponent(next)}`);
  await ready(page);
  await page.getByLabel("Email").fill(who.email);
  await page.getByLabel("Password").fill(who.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((u) => !u.pathname.startsWith("/signin"));
  await ready(page);
}

/** Opens an account's Agents page from the account list. */
export async function openAccount(page: Page, name: string) {
  await page.goto("/accounts");
  await ready(page);
  await page.getByRole("link", { name: new RegExp(name) }).first().click();
  await expect(page.getByRole("heading", { name: "Agents with access" })).toBeVisible();
  await ready(page);
}

/** The account id from the current URL (/accounts/{id}/…). */
export function accountId(page: Page): string {
  const m = new URL(page.url()).pathname.match(/^\/accounts\/([^/]+)/);
  if (!m) throw new Error(`not on an account page: ${page.url()}`);
  return m[1];
}

/** The CSRF token of the signed-in session, read from a form on the page. */
export async function csrfToken(page: Page): Promise<string> {
  const token = await page.locator('input[name="csrf"]').first().getAttribute("value");
  if (!token) throw new Error("no csrf token on the page");
  return token;
}
