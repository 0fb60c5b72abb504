//! `charter policy <command>`: the policy engine on the command line, shaped like the AWS CLI.
//!
//! JSON goes to stdout. Exit codes: 0 on PASS or success (for `evaluate`: allowed), 1 on FAIL
//! (for `validate`: an ERROR finding; for `evaluate`: denied), 2 on invalid input, with a message
//! on stderr naming the file, the JSON path and `line:col`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use authz::analyze::Analyzer;
use authz::{Catalog, Policy, Request};

macro_rules! to_value {
    ($e:expr) => {
        serde_json::to_value($e).unwrap_or(serde_json::Value::Null)
    };
}

fn check_exit(r: &authz::CheckResult) -> ExitCode {
    print_json(&to_value!(r));
    if r.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// Arguments of `charter policy`.
#[derive(clap::Args, Debug)]
pub struct PolicyArgs {
    /// Action catalog: a JSON array of `namespace:Action` names (default: the built-in catalog).
    #[arg(long, global = true, value_name = "FILE")]
    pub catalog: Option<PathBuf>,
    #[command(subcommand)]
    pub command: PolicyCommand,
}

/// The `charter policy` commands.
#[derive(clap::Subcommand, Debug)]
pub enum PolicyCommand {
    /// Parse a policy and report findings (ERROR, SECURITY_WARNING, WARNING, SUGGESTION).
    Validate {
        #[arg(long, value_name = "FILE")]
        policy_document: PathBuf,
    },
    /// PASS when the new policy grants nothing the existing one does not.
    CheckNoNewAccess {
        #[arg(long, value_name = "FILE")]
        existing_policy_document: PathBuf,
        #[arg(long, value_name = "FILE")]
        new_policy_document: PathBuf,
    },
    /// FAIL when the policy grants any of the actions (on any of the resources).
    CheckAccessNotGranted {
        #[arg(long, value_name = "FILE")]
        policy_document: PathBuf,
        /// Comma-separated action names or patterns.
        #[arg(long, value_delimiter = ',', required = true, num_args = 1..)]
        actions: Vec<String>,
        /// Comma-separated resource names or patterns (default: any resource).
        #[arg(long, value_delimiter = ',', num_args = 1..)]
        resources: Vec<String>,
    },
    /// FAIL when an Allow can be reached by an arbitrary principal.
    CheckNoPublicAccess {
        #[arg(long, value_name = "FILE")]
        policy_document: PathBuf,
    },
    /// Print a least-privilege version of the policy (the diff goes to stderr).
    Recommend {
        #[arg(long, value_name = "FILE")]
        policy_document: PathBuf,
        /// Unused actions: `[{"serviceNamespace": "...", "actions": ["..."]}]`.
        #[arg(long, value_name = "FILE")]
        unused: PathBuf,
    },
    /// Decide one request.
    Evaluate {
        #[arg(long, value_name = "FILE")]
        policy_document: PathBuf,
        /// Principal id, or `Kind::id`.
        #[arg(long)]
        principal: String,
        #[arg(long)]
        action: String,
        #[arg(long)]
        resource: String,
        /// Context entries `key=value` (repeatable).
        #[arg(long = "context", value_name = "KEY=VALUE")]
        context: Vec<String>,
    },
}

struct Invalid(String);

fn read(path: &Path) -> Result<String, Invalid> {
    std::fs::read_to_string(path)
        .map_err(|e| Invalid(format!("{}: cannot read the file: {e}", path.display())))
}

fn load_policy(path: &Path) -> Result<(String, Policy), Invalid> {
    let src = read(path)?;
    let p = authz::parse_policy(&src).map_err(|e| Invalid(format!("{}: {e}", path.display())))?;
    Ok((src, p))
}

fn load_catalog(path: Option<&Path>) -> Result<Option<Catalog>, Invalid> {
    match path {
        None => Ok(None),
        Some(p) => {
            let src = read(p)?;
            Catalog::from_json(&src)
                .map(Some)
                .map_err(|e| Invalid(format!("{}: {e}", p.display())))
        }
    }
}

fn print_json(v: &serde_json::Value) {
    match serde_json::to_string_pretty(v) {
        Ok(s) => println!("{s}"),
        Err(e) => eprintln!("error: cannot serialize the output: {e}"),
    }
}

fn run_inner(args: PolicyArgs) -> Result<ExitCode, Invalid> {
    let custom = load_catalog(args.catalog.as_deref())?;
    let catalog: &Catalog = custom.as_ref().unwrap_or_else(|| Catalog::builtin());
    let an = Analyzer {
        catalog: Some(catalog),
    };
    Ok(match args.command {
        PolicyCommand::Validate { policy_document } => {
            let (_, p) = load_policy(&policy_document)?;
            let findings = authz::validate::validate(&p, catalog);
            let errors = findings
                .iter()
                .any(|f| f.level == authz::validate::Level::Error);
            print_json(&serde_json::json!({
                "result": if errors { "FAIL" } else { "PASS" },
                "statements": p.statements.len(),
                "findings": to_value!(&findings),
            }));
            if errors {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        PolicyCommand::CheckNoNewAccess {
            existing_policy_document,
            new_policy_document,
        } => {
            let (_, old) = load_policy(&existing_policy_document)?;
            let (_, new) = load_policy(&new_policy_document)?;
            check_exit(&an.check_no_new_access(&old, &new))
        }
        PolicyCommand::CheckAccessNotGranted {
            policy_document,
            actions,
            resources,
        } => {
            let (_, p) = load_policy(&policy_document)?;
            let actions: Vec<String> = actions
                .into_iter()
                .map(|a| a.trim().to_string())
                .filter(|a| !a.is_empty())
                .collect();
            if actions.is_empty() {
                return Err(Invalid("--actions: expected at least one action".into()));
            }
            let resources: Vec<String> = resources
                .into_iter()
                .map(|a| a.trim().to_string())
                .filter(|a| !a.is_empty())
                .collect();
            check_exit(&an.check_access_not_granted(&p, &actions, &resources))
        }
        PolicyCommand::CheckNoPublicAccess { policy_document } => {
            let (_, p) = load_policy(&policy_document)?;
            check_exit(&an.check_no_public_access(&p))
        }
        PolicyCommand::Recommend {
            policy_document,
            unused,
        } => {
            let (src, _) = load_policy(&policy_document)?;
            let unused_src = read(&unused)?;
            let unused_set = authz::recommend::parse_unused(&unused_src)
                .map_err(|e| Invalid(format!("{}: {e}", unused.display())))?;
            let rec = authz::recommend::recommend(&src, &unused_set, catalog)
                .map_err(|e| Invalid(format!("{}: {e}", policy_document.display())))?;
            println!("{}", rec.policy_text());
            eprint!("{}", rec.human_diff());
            ExitCode::SUCCESS
        }
        PolicyCommand::Evaluate {
            policy_document,
            principal,
            action,
            resource,
            context,
        } => {
            let (_, p) = load_policy(&policy_document)?;
            let mut req = Request::new(&principal, &action, &resource);
            for kv in &context {
                let Some((k, v)) = kv.split_once('=') else {
                    return Err(Invalid(format!("--context `{kv}`: expected `key=value`")));
                };
                req = req.with(k, v);
            }
            let d = authz::evaluate(&[&p], &req);
            let mut out = to_value!(&d);
            if let Some(o) = out.as_object_mut() {
                o.insert(
                    "decision".into(),
                    serde_json::Value::from(if d.allowed() { "ALLOW" } else { "DENY" }),
                );
            }
            print_json(&out);
            if d.allowed() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
    })
}

/// Runs a `charter policy` command and returns its exit code.
pub fn run(args: PolicyArgs) -> ExitCode {
    match run_inner(args) {
        Ok(code) => code,
        Err(Invalid(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(2)
        }
    }
}
