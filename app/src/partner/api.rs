use crate::error::AppError;
use charter_store::model::*;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartnerConsole {
    pub partner: Partner,
    pub applications: Vec<ApplicationWithAgents>,
}

/// A partner's applications and agents. Developers of that partner only; anyone else gets 404.
#[server(endpoint = "partner_console")]
pub async fn load_partner_console(partner_id: String) -> Result<PartnerConsole, AppError> {
    use crate::session::server::*;
    let (_session, person) = require_person().await?;
    let partner = partner_access(&person, &partner_id).await?;
    let applications = store()?.applications_with_agents(&partner.id).await?;
    Ok(PartnerConsole {
        partner,
        applications,
    })
}

#[cfg(feature = "ssr")]
fn back_with_error(partner: &PartnerId, form: &str, code: &str) {
    leptos_axum::redirect(&format!("/partners/{partner}?form={form}&error={code}"));
}

#[cfg(feature = "ssr")]
fn error_code(e: &AppError) -> &'static str {
    match e {
        AppError::BadRequest(m) if m.contains("already exists") => "duplicate",
        _ => "invalid",
    }
}

#[server(endpoint = "create_application")]
pub async fn create_application(
    partner_id: String,
    name: String,
    description: Option<String>,
    csrf: String,
) -> Result<(), AppError> {
    use crate::session::server::*;
    let (_session, person) = require_person_for_change(&csrf).await?;
    let partner = partner_access(&person, &partner_id).await?;
    let (Ok(name), Ok(description)) = (
        Name::parse("application name", &name),
        parse_text("description", description.as_deref().unwrap_or(""), 0, 500),
    ) else {
        back_with_error(&partner.id, "application", "invalid");
        return Ok(());
    };
    match store()?
        .create_application(&actor(&person), &partner.id, &name, &description)
        .await
    {
        Ok(app) => leptos_axum::redirect(&format!(
            "/partners/{}?notice=application_created&app={}#{}",
            partner.id, app.id, app.id
        )),
        Err(e) => {
            let e = AppError::from(e);
            if e == AppError::Internal {
                return Err(e);
            }
            back_with_error(&partner.id, "application", error_code(&e));
        }
    }
    Ok(())
}

/// Registers an agent under one of the partner's applications. `purposes` are purpose codes
/// (checkboxes named `purposes[i]`).
#[server(endpoint = "register_agent")]
#[allow(clippy::too_many_arguments)]
pub async fn register_agent(
    partner_id: String,
    application_id: String,
    name: String,
    description: Option<String>,
    #[server(default)] purposes: Vec<String>,
    party: String,
    csrf: String,
) -> Result<(), AppError> {
    use crate::session::server::*;
    let (_session, person) = require_person_for_change(&csrf).await?;
    let partner = partner_access(&person, &partner_id).await?;
    let application = ApplicationId::parse(&application_id).map_err(|_| AppError::NotFound)?;
    let parsed: Result<Vec<Purpose>, _> = purposes.iter().map(|p| Purpose::parse(p)).collect();
    let form = format!("agent-{application}");
    let (Ok(name), Ok(description), Ok(mut purposes), Ok(party)) = (
        Name::parse("agent name", &name),
        parse_text("description", description.as_deref().unwrap_or(""), 0, 500),
        parsed,
        Party::parse(&party),
    ) else {
        back_with_error(&partner.id, &form, "invalid");
        return Ok(());
    };
    purposes.dedup();
    if purposes.is_empty() {
        back_with_error(&partner.id, &form, "purposes");
        return Ok(());
    }
    match store()?
        .create_agent(
            &actor(&person),
            &partner.id,
            charter_store::NewAgent {
                application,
                name,
                description,
                purposes,
                party,
            },
        )
        .await
    {
        Ok(agent) => leptos_axum::redirect(&format!(
            "/partners/{}?notice=agent_registered&agent={}#{}",
            partner.id, agent.id, agent.id
        )),
        Err(e) => {
            let e = AppError::from(e);
            if matches!(e, AppError::Internal | AppError::NotFound) {
                return Err(e);
            }
            back_with_error(&partner.id, &form, error_code(&e));
        }
    }
    Ok(())
}
