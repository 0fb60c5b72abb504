import { expect, test } from "@playwright/test";
import { people, ready, signIn } from "./helpers";

// A valid Ed25519 public key: the RFC 8037 §A.2 example (32 bytes, base64url, no padding).
const X = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";

test("a developer creates, rotates and revokes client secrets and public keys; a secret is shown once", async ({ page }) => {
  await signIn(page, people.developer);
  await page.getByRole("link", { name: /Quantive Labs/ }).first().click();
  await expect(page.getByRole("heading", { level: 1, name: "Quantive Labs" })).toBeVisible();
  await ready(page);
  await page.getByRole("link", { name: "Credentials of Bid Guard" }).click();
  await expect(page.getByRole("heading", { level: 1, name: /Bid Guard/ })).toBeVisible();
  await ready(page);
  const agentId = new URL(page.url()).pathname.split("/").pop()!;
  expect(agentId).toMatch(/^agt_[0-9A-Z]{26}$/);

  // How to connect: the client id, the token endpoint and a curl example.
  const connect = page.getByRole("region", { name: "Connect the agent" });
  await expect(connect).toContainText(agentId);
  await expect(connect).toContainText("/oauth/token");
  const curl = connect.getByRole("region", { name: /Example/ });
  await expect(curl).toContainText("grant_type=client_credentials");
  await expect(curl).toContainText("resource=urn:charter:account:");

  // Create a secret: it is shown once, and never in the URL.
  const secrets = page.getByRole("region", { name: "Client secrets" });
  await expect(secrets).toContainText("No secrets yet");
  await page.getByRole("button", { name: "Create secret" }).click();
  await expect(page.getByRole("status")).toContainText("Secret created");
  await expect(page.getByRole("heading", { name: "Copy this secret now; it will not be shown again" })).toBeVisible();
  const first = await page.getByLabel("New client secret").inputValue();
  expect(first.length).toBeGreaterThanOrEqual(32);
  expect(page.url()).not.toContain(first);
  const firstHint = first.slice(-4);
  await expect(secrets.getByRole("row", { name: new RegExp(`…${firstHint}`) })).toContainText("Live");
  await page.screenshot({ path: `/tmp/shots/credentials-secret-${test.info().project.name}.png`, fullPage: true });

  // Reload: the secret is gone for good.
  await page.reload();
  await ready(page);
  await expect(page.getByRole("heading", { level: 1, name: /Bid Guard/ })).toBeVisible();
  await expect(page.getByRole("heading", { name: /Copy this secret now/ })).toHaveCount(0);
  expect(await page.content()).not.toContain(first);

  // A second secret (rotation), then a third is refused.
  await page.getByRole("button", { name: "Create secret" }).click();
  await expect(page.getByLabel("New client secret")).toBeVisible();
  const second = await page.getByLabel("New client secret").inputValue();
  expect(second).not.toBe(first);
  await expect(secrets.getByRole("row", { name: /…/ })).toHaveCount(2);
  await expect(page.getByRole("note").filter({ hasText: "Two secrets are live" })).toBeVisible();
  await ready(page);
  await page.getByRole("button", { name: "Create secret" }).click();
  await expect(page.getByRole("alert")).toContainText("Revoke the old secret first");
  await expect(page.getByLabel("New client secret")).toHaveCount(0);
  await ready(page);

  // Revoke the first.
  await page.getByRole("button", { name: `Revoke secret ending ${firstHint}` }).click();
  await expect(page.getByRole("status")).toContainText("Secret revoked");
  await expect(secrets.getByRole("row", { name: new RegExp(`…${firstHint}`) })).toContainText("Revoked");
  await expect(page.getByRole("button", { name: `Revoke secret ending ${firstHint}` })).toHaveCount(0);
  await ready(page);

  // Public keys: an invalid JWK names the member at fault; a valid one is listed, then revoked.
  const keys = page.getByRole("region", { name: "Public keys" });
  await keys.getByLabel("Public key (JWK)").fill('{"kty":"OKP","crv":"Ed25519","x":"AAAA","kid":"short"}');
  await keys.getByRole("button", { name: "Register key" }).click();
  await expect(page.getByRole("alert")).toContainText("`x` must encode exactly 32 bytes");
  await ready(page);
  await keys.getByLabel("Public key (JWK)").fill(`{"kty":"OKP","crv":"P-256","x":"${X}","kid":"wrong-curve"}`);
  await keys.getByRole("button", { name: "Register key" }).click();
  await expect(page.getByRole("alert")).toContainText("`crv` must be");
  await ready(page);
  await keys.getByLabel("Public key (JWK)").fill(`{"kty":"OKP","crv":"Ed25519","x":"${X}","kid":"spec-key-1"}`);
  await keys.getByRole("button", { name: "Register key" }).click();
  await expect(page.getByRole("status")).toContainText("Public key registered");
  const keyRow = keys.getByRole("row", { name: /spec-key-1/ });
  await expect(keyRow).toContainText(X);
  await expect(keyRow).toContainText("Active");
  await page.screenshot({ path: `/tmp/shots/credentials-${test.info().project.name}.png`, fullPage: true });
  await ready(page);
  await page.getByRole("button", { name: "Revoke key spec-key-1" }).click();
  await expect(page.getByRole("status")).toContainText("Public key revoked");
  await expect(keys.getByRole("row", { name: /spec-key-1/ })).toContainText("Revoked");
});

test("another partner's agent, or an unknown one, is a 404", async ({ page }) => {
  await signIn(page, people.developer);
  await page.getByRole("link", { name: /Quantive Labs/ }).first().click();
  await ready(page);
  const partner = new URL(page.url()).pathname.split("/")[2];
  const unknown = await page.goto(`/partners/${partner}/agents/agt_01JZZZZZZZZZZZZZZZZZZZZZZZ`);
  expect(unknown?.status()).toBe(404);
  const garbage = await page.goto(`/partners/${partner}/agents/not-an-id`);
  expect(garbage?.status()).toBe(404);
  // An owner of an advertiser account is no developer of this partner.
  await page.context().clearCookies();
  await signIn(page, people.owner);
  const stranger = await page.goto(`/partners/${partner}`);
  expect(stranger?.status()).toBe(404);
});

test("a developer disables an agent everywhere and enables it again", async ({ page }) => {
  await signIn(page, people.developer);
  await page.getByRole("link", { name: /Quantive Labs/ }).first().click();
  await ready(page);
  await page.getByRole("link", { name: "Credentials of Bid Pilot" }).click();
  await expect(page.getByRole("heading", { level: 1, name: /Bid Pilot/ })).toBeVisible();
  await ready(page);
  await page.getByRole("button", { name: "Disable agent" }).click();
  await expect(page.getByRole("status")).toContainText("Agent disabled");
  await expect(page.getByRole("heading", { name: "This agent is disabled" })).toBeVisible();
  await expect(page.getByRole("heading", { level: 1, name: /Bid Pilot/ })).toContainText("Disabled");
  await ready(page);
  await page.getByRole("button", { name: "Enable agent" }).click();
  await expect(page.getByRole("status")).toContainText("Agent enabled");
  await expect(page.getByRole("heading", { name: "Disable this agent" })).toBeVisible();
});
