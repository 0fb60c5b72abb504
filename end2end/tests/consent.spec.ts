import { expect, test, type Page } from "@playwright/test";
import { accountId, csrfToken, openAccount, people, ready, signIn } from "./helpers";

async function switchTo(page: Page, who: { email: string; password: string }, next = "/accounts") {
  await page.context().clearCookies();
  await signIn(page, who, next);
}

/** Files a request on the partner's Access requests page; returns the new request id. */
async function fileRequest(page: Page, agent: string, adv: string, policy: string, note: string) {
  await page.getByLabel("Agent", { exact: true }).selectOption({ label: agent });
  await page.getByLabel("Advertiser account").selectOption(adv);
  await page.getByLabel("Purpose", { exact: true }).selectOption("reporting");
  await page.getByLabel("Policy (optional)").fill(policy);
  await page.getByLabel("Note to the advertiser").fill(note);
  const before = new URL(page.url()).searchParams.get("request");
  await page.getByRole("button", { name: "Send request" }).click();
  // The redirect names the new request (a notice from an earlier request may still show).
  await page.waitForURL((u) => u.searchParams.has("request") && u.searchParams.get("request") !== before);
  await expect(page.getByRole("status")).toContainText("Request sent");
  const id = new URL(page.url()).searchParams.get("request");
  if (!id) throw new Error(`no request id in ${page.url()}`);
  await ready(page);
  return id;
}

test("a partner requests access; the owner reviews, is stopped by a guardrail, narrows and approves", async ({ page }) => {
  const project = test.info().project.name;
  const appName = `Consent App ${project}`;
  const agentName = "Consent Agent";

  // The owner: the account id, and a guardrail against billing.
  await signIn(page, people.owner);
  await openAccount(page, "Northwind");
  const adv = accountId(page);
  await page.getByRole("link", { name: "Guardrails" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Guardrails" })).toBeVisible();
  await ready(page);
  await page.getByLabel("Guardrail name").fill("No billing");
  await page.getByLabel("Actions").fill("billing:*");
  await page.getByRole("button", { name: "Add guardrail" }).click();
  await expect(page.getByRole("status")).toContainText("Guardrail added");
  await expect(page.getByRole("row", { name: /No billing/ })).toContainText("billing:*");

  // The developer: an application and agent of their own, then two requests.
  await switchTo(page, people.developer);
  await page.getByRole("link", { name: /Quantive Labs/ }).first().click();
  await expect(page.getByRole("heading", { level: 1, name: "Quantive Labs" })).toBeVisible();
  await ready(page);
  await page.getByLabel("Name", { exact: true }).fill(appName);
  await page.getByRole("button", { name: "Create application" }).click();
  await expect(page.getByRole("status")).toContainText("Application created");
  await ready(page);
  const app = page.getByRole("region", { name: appName });
  await app.getByText(`Register an agent under ${appName}`).click();
  await app.getByLabel("Agent name").fill(agentName);
  await app.getByLabel("What it does").fill("Reads reports for the consent spec");
  await app.getByLabel("Reporting").check();
  await app.getByRole("button", { name: "Register agent" }).click();
  await expect(page.getByRole("status")).toContainText("Agent registered");
  await ready(page);

  await page.getByRole("link", { name: "Access requests" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Access requests" })).toBeVisible();
  await ready(page);
  const requestsUrl = page.url();
  const agentOption = `${agentName} · ${appName}`;

  // A policy that does not parse is refused with its path and line:col.
  await page.getByLabel("Agent", { exact: true }).selectOption({ label: agentOption });
  await page.getByLabel("Advertiser account").selectOption(adv);
  await page.getByLabel("Policy (optional)").fill('{"Statement": [{"Effect": "Allow", "Action": 5}]}');
  await page.getByRole("button", { name: "Send request" }).click();
  await expect(page.getByText(/\$\.Statement\[0\]\.Action at line 1:\d+/)).toBeVisible();
  await page.goto(requestsUrl);
  await ready(page);

  // Empty policy: exactly the purpose template.
  const plain = await fileRequest(page, agentOption, adv, "", "Weekly reporting for the brand team");
  await expect(page.getByRole("row", { name: /Consent Agent/ }).first()).toContainText("Pending");
  // A second request that also reads invoices.
  const billingPolicy = JSON.stringify({
    Statement: [
      { Sid: "Reports", Effect: "Allow", Action: ["reports:ListReports", "reports:GetReport"], Resource: "*" },
      { Sid: "Invoices", Effect: "Allow", Action: "billing:GetInvoice", Resource: "*" },
    ],
  });
  const billing = await fileRequest(page, agentOption, adv, billingPolicy, "Also reconciles invoices");

  // The owner reviews.
  await switchTo(page, people.owner, `/accounts/${adv}/requests`);
  await expect(page.getByRole("heading", { level: 1, name: "Access requests" })).toBeVisible();
  await expect(page.getByText(/\d+ requests? (is|are) waiting for your decision\./)).toBeVisible();
  const mine = page.getByRole("row", { name: new RegExp(appName) });
  await expect(mine).toHaveCount(2);
  await expect(mine.first()).toContainText("Pending");

  // The billing request breaks the guardrail: approval is blocked, and the server refuses it.
  await page.goto(`/accounts/${adv}/requests/${billing}`);
  await ready(page);
  await expect(page.getByRole("heading", { name: "Approval is blocked" })).toBeVisible();
  const guardrails = page.getByRole("region", { name: "Your guardrails" });
  await expect(guardrails).toContainText("FAIL");
  await expect(guardrails).toContainText("No billing");
  await expect(guardrails).toContainText("Invoices");
  await expect(guardrails).toContainText("billing:GetInvoice");
  await expect(page.getByRole("region", { name: "Beyond the purpose template" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Approve", exact: true })).toBeDisabled();
  const csrf = await csrfToken(page);
  const forced = await page.request.post("/api/approve_access_request", {
    form: { advertiser_id: adv, request_id: billing, csrf },
    headers: { Accept: "application/json" },
  });
  expect(forced.status()).toBe(400);
  expect(await forced.text()).toContain("No billing");

  // The plain request: capabilities in words, within the template, first ceiling.
  await page.goto(`/accounts/${adv}/requests/${plain}`);
  await ready(page);
  const caps = page.getByRole("region", { name: "What the agent could do" });
  await expect(caps.getByRole("heading", { name: "Reports" }).first()).toBeVisible();
  await expect(caps).toContainText("read");
  await expect(page.getByRole("region", { name: "Within the purpose template" })).toBeVisible();
  await expect(page.getByText(`This also becomes ${appName}'s ceiling on your account`)).toBeVisible();
  await expect(page.getByRole("heading", { name: "Approval is blocked" })).toHaveCount(0);

  // Narrow: keep only reading reports, preview, then approve the narrowed policy.
  const editor = page.getByLabel("Policy to grant");
  const requested = JSON.parse(await editor.inputValue());
  const read = requested.Statement.find((s: { Sid?: string }) => s.Sid === "Read");
  const narrowed = {
    Statement: [{ Sid: "ReadReports", Effect: "Allow", Action: ["reports:ListReports", "reports:GetReport"], Resource: read.Resource }],
  };
  await editor.fill(JSON.stringify(narrowed, null, 2));
  await page.getByRole("button", { name: "Preview" }).click();
  await expect(page.getByRole("heading", { name: "What the agent could do (narrowed)" })).toBeVisible();
  await ready(page);
  await expect(page.getByText("Within the request", { exact: true })).toBeVisible();
  await expect(page.getByRole("region", { name: "What the agent could do (narrowed)" })).not.toContainText("Sponsored Products");
  await page.getByRole("button", { name: "Approve narrowed policy" }).click();
  await page.waitForURL(/\/accounts\/[^/]+\/agents\/agt_/);
  await expect(page.getByRole("status")).toContainText("Request approved");
  await expect(page.getByRole("heading", { level: 1, name: new RegExp(agentName) })).toBeVisible();
  await expect(page.getByRole("region", { name: "Grant on this account" })).toContainText("ReadReports");

  // The decision is recorded; the ceiling holds the grant.
  await page.goto(`/accounts/${adv}/requests/${plain}`);
  await expect(page.getByRole("region", { name: "Decision" })).toContainText("Approved");
  await page.goto(`/accounts/${adv}/guardrails`);
  const ceiling = page.getByRole("article", { name: `Ceiling of ${appName}` });
  await expect(ceiling).toContainText("Within ceiling");
  await expect(ceiling).toContainText(agentName);
});

test("a viewer sees a request read-only and cannot decide it", async ({ page }) => {
  await signIn(page, people.viewer);
  await openAccount(page, "Northwind");
  const adv = accountId(page);
  await page.goto(`/accounts/${adv}/guardrails`);
  await expect(page.getByRole("heading", { level: 1, name: "Guardrails" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Add guardrail" })).toHaveCount(0);
  const csrf = await csrfToken(page);
  const forged = await page.request.post("/api/add_guardrail", {
    form: { advertiser_id: adv, name: "Sneaky", actions: "sp:*", csrf },
    headers: { Accept: "application/json" },
  });
  expect(forged.status()).toBe(403);
  const missing = await page.goto(`/accounts/${adv}/requests/req_01JZZZZZZZZZZZZZZZZZZZZZZZ`);
  expect(missing?.status()).toBe(404);
});
