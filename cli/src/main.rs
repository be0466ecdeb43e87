//! `charter`: the command line over charter-model and charter-runtime.
//! Exit codes (cli.md): 0 ok, 1 governance errors (or refused traffic with
//! `--strict`), 2 the input could not be used.

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

mod check;
mod diff;
mod discover;
mod export;
mod gate;
mod identities;
mod import;
mod replay;
mod serve;

#[derive(Parser)]
#[command(
    name = "charter",
    version,
    about = "Charter: integration governance from the command line"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum, Default)]
pub enum OutputFormat {
    #[default]
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Validate a model: one line per finding; exit 1 when any error.
    Check {
        model: PathBuf,
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        format: OutputFormat,
    },
    /// Export the deployable configuration (charter-config/1) for one environment.
    Export {
        model: PathBuf,
        #[arg(long)]
        env: String,
        /// Write to FILE (atomically) instead of stdout.
        #[arg(short = 'o', long = "output")]
        output: Option<PathBuf>,
    },
    /// List what changed between two configurations, in business terms.
    Diff { old: PathBuf, new: PathBuf },
    /// Run recorded traffic (JSON Lines) through a configuration.
    Replay {
        config: PathBuf,
        events: PathBuf,
        /// Write the summary as JSON to FILE.
        #[arg(long)]
        report: Option<PathBuf>,
        /// Exit 1 when any message was refused.
        #[arg(long)]
        strict: bool,
    },
    /// Turn a sketch or a spec into a model (charter-model/1).
    Import {
        file: PathBuf,
        /// mermaid, excalidraw, drawio, csv, openapi or asyncapi (recognised from the
        /// content when not given).
        #[arg(long)]
        format: Option<String>,
        /// Write the model to MODEL (atomically) instead of stdout.
        #[arg(short = 'o', long = "output")]
        output: Option<PathBuf>,
        /// How to read AsyncAPI 2.x `publish`/`subscribe`: `spec` (as the 2.x
        /// specification defines them: `subscribe` means the application sends)
        /// or `reversed` (`publish` means it sends, as many tools write them).
        #[arg(
            long = "asyncapi-v2-direction",
            value_name = "spec|reversed",
            default_value = "spec"
        )]
        asyncapi_v2_direction: String,
    },
    /// Infer the integration map (a model) from observed exchanges.
    Discover {
        #[arg(required = true)]
        logs: Vec<PathBuf>,
        /// exchanges (JSON Lines), otlp (OpenTelemetry traces, OTLP/JSON) or csv;
        /// recognised from the content when not given.
        #[arg(long)]
        format: Option<String>,
        /// List undocumented exchanges and unused flows of MODEL, one per line.
        #[arg(long)]
        compare: Option<PathBuf>,
        /// Write the discovered model to MODEL (atomically) instead of stdout.
        #[arg(short = 'o', long = "output")]
        output: Option<PathBuf>,
    },
    /// Serve the governance gate over HTTP.
    Serve {
        config: PathBuf,
        #[arg(long, default_value = "127.0.0.1:8640")]
        listen: String,
        /// Decision log (JSON Lines); default: decisions.log beside the config.
        #[arg(long)]
        log: Option<PathBuf>,
        /// What the gate's clock follows: `wall` (the later of message time
        /// and the wall clock) or `message` (message time only, for tests and
        /// replays through the gate).
        #[arg(long, default_value = "wall", value_parser = ["wall", "message"])]
        clock: String,
        /// Who may speak: the identities file (tokens' SHA-256, client CA).
        /// Without it only a loopback address may be listened on.
        #[arg(long)]
        identities: Option<PathBuf>,
        /// Serve HTTPS with this certificate chain (PEM); needs --tls-key.
        #[arg(long, value_name = "PEM")]
        tls_cert: Option<PathBuf>,
        /// The private key (PEM) of --tls-cert.
        #[arg(long, value_name = "PEM")]
        tls_key: Option<PathBuf>,
        /// Also serve /healthz and /metrics, open, on this plain HTTP address.
        #[arg(long, value_name = "ADDR")]
        admin_listen: Option<String>,
    },
    /// A JetStream gate worker: decides the traffic published to NATS.
    ///
    /// Systems publish on charter.in.<source>.<entity>.<kind>.<keytoken>;
    /// decisions are stored on charter.decisions.<partition>, deliveries on
    /// charter.out.<target>.<entity>. The inbound stream is partitioned by
    /// entity key; each partition is decided by one live worker, in order.
    ///
    /// In production: a cluster of three nats-servers with JetStream (their
    /// authorization block from `charter nats permissions`), --replicas 3,
    /// and N workers started alike on different machines (--user
    /// charter-gate, password in CHARTER_NATS_PASSWORD); a stopped worker's
    /// partitions are taken over after --lease-seconds. One process with
    /// --aggregate --listen ADDR serves /v1/incidents, /v1/alerts,
    /// /v1/exceptions and /metrics for all of them. See docs/jetstream.md.
    Gate(gate::GateArgs),
    /// NATS for the JetStream gate: broker permissions from ownership,
    /// publishing recorded traffic, reading decisions back.
    Nats {
        #[command(subcommand)]
        action: gate::NatsAction,
    },
    /// Identities of the systems at the gate (`serve --identities`).
    Identities {
        #[command(subcommand)]
        action: identities::Action,
    },
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let code = match cli.command {
        Command::Check { model, format } => check::run(&model, format),
        Command::Export { model, env, output } => export::run(&model, &env, output.as_deref()),
        Command::Diff { old, new } => diff::run(&old, &new),
        Command::Replay {
            config,
            events,
            report,
            strict,
        } => replay::run(&config, &events, report.as_deref(), strict),
        Command::Import {
            file,
            format,
            output,
            asyncapi_v2_direction,
        } => import::run(
            &file,
            format.as_deref(),
            output.as_deref(),
            &asyncapi_v2_direction,
        ),
        Command::Discover {
            logs,
            format,
            compare,
            output,
        } => discover::run(
            &logs,
            format.as_deref(),
            compare.as_deref(),
            output.as_deref(),
        ),
        Command::Serve {
            config,
            listen,
            log,
            clock,
            identities,
            tls_cert,
            tls_key,
            admin_listen,
        } => serve::run(
            &config,
            &listen,
            log.as_deref(),
            clock == "message",
            &serve::Access {
                identities: identities.as_deref(),
                tls_cert: tls_cert.as_deref(),
                tls_key: tls_key.as_deref(),
                admin_listen: admin_listen.as_deref(),
            },
        ),
        Command::Identities { action } => identities::run(action),
        Command::Gate(args) => gate::run_gate(&args),
        Command::Nats { action } => gate::run_nats(action),
    };
    ExitCode::from(code)
}
