//! The command line, as clap sees it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use nhiscope_graph::ScanSelector;
use nhiscope_model::Severity;
use nhiscope_reports::ReportFormat;

/// Inventory and governance of non-human identities: service accounts, access
/// keys, tokens, certificates and the workloads that use them.
#[derive(Debug, Parser)]
#[command(
    name = "nhiscope",
    version,
    propagate_version = true,
    max_term_width = 100
)]
#[command(
    after_help = "Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage/config/store error, 3 scan incomplete (a source or file failed), 130 interrupted."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// The config file. Default: ./nhiscope.toml when it exists.
    #[arg(
        long,
        short = 'c',
        global = true,
        env = "NHISCOPE_CONFIG",
        value_name = "FILE"
    )]
    pub config: Option<PathBuf>,
    /// The store (a DuckDB file) scans are kept in. Default:
    /// .nhiscope/nhiscope.duckdb, or `[scan] db` in the config.
    #[arg(long, global = true, env = "NHISCOPE_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Add the rules of a rule file (nhiscope or gitleaks TOML) to the
    /// built-in rules; repeatable.
    #[arg(long = "rules", global = true, value_name = "FILE")]
    pub rule_files: Vec<PathBuf>,
    /// Use only the --rules files, not the built-in rules.
    #[arg(long, global = true)]
    pub no_default_rules: bool,
    /// More logging on stderr (-v info, -vv debug, -vvv trace).
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,
    /// Only errors on stderr: no progress, no summary.
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

/// What nhiscope can do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan sources, store the scan and report what was found.
    Scan(Box<ScanArgs>),
    /// List the stored scans.
    Scans(ScansArgs),
    /// List the findings of a stored scan.
    Findings(FindingsArgs),
    /// Render a stored scan as a report.
    Report(ReportArgs),
    /// List or check secret-detection rules.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Record accepted findings, so later scans report only new ones.
    #[command(subcommand)]
    Baseline(BaselineCommand),
    /// Show what changed between two stored scans.
    Diff(DiffArgs),
    /// List the identities, credentials and workloads of a stored scan.
    Inventory(InventoryArgs),
    /// Run a read-only SQL query over the store (docs/store.md).
    Query(QueryArgs),
    /// Show how one node reaches another over access edges.
    Path(PathArgs),
    /// List everything a credential or identity can reach, with a path to each.
    BlastRadius(BlastRadiusArgs),
    /// Export the access graph, or one node's neighbourhood, for Graphviz, Gephi or yEd.
    Graph(GraphArgs),
    /// Explore the store interactively: findings, inventory, the access graph, scans.
    Tui(TuiArgs),
}

/// `nhiscope tui`.
#[derive(Debug, Args)]
pub struct TuiArgs {
    /// The scan to open: `latest`, its number, or the start of its id.
    #[arg(long, short = 's', default_value = "latest", value_parser = parse_selector)]
    pub scan: ScanSelector,
    /// Show ages as of this time (RFC 3339 or YYYY-MM-DD) instead of now.
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub as_of: Option<jiff::Timestamp>,
    /// Run without a terminal: press these comma-separated keys (`2,j,Enter`;
    /// names: Enter, Esc, Tab, Up, Down, PageUp, PageDown, Home, End,
    /// Backspace, Space, Comma, C-d) and print the last screen.
    #[arg(long, value_name = "KEYS")]
    pub keys: Option<String>,
    /// With --keys: print, as JSON, the time to the first frame and to
    /// redraw after each key, instead of the screen.
    #[arg(long, requires = "keys")]
    pub timings: bool,
    /// With --keys: the screen's size.
    #[arg(
        long,
        value_name = "WIDTHxHEIGHT",
        default_value = "120x40",
        requires = "keys"
    )]
    pub size: String,
}

/// `nhiscope query`.
#[derive(Debug, Args)]
pub struct QueryArgs {
    /// The SQL (DuckDB's dialect); the store is opened read-only.
    pub sql: String,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = TableFormatArg::Table)]
    pub format: TableFormatArg,
}

/// Formats of tabular output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TableFormatArg {
    /// Aligned columns.
    Table,
    /// A JSON array of objects.
    Json,
    /// CSV with a header row.
    Csv,
}

/// `nhiscope path`.
#[derive(Debug, Args)]
pub struct PathArgs {
    /// Where the path starts: a node id, native id (ARN, key id) or name.
    pub from: String,
    /// Where it ends, named the same way.
    pub to: String,
    /// The scan: `latest`, its number, or the start of its id.
    #[arg(long, short = 's', default_value = "latest", value_parser = parse_selector)]
    pub scan: ScanSelector,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = FormatArg::Text)]
    pub format: FormatArg,
}

/// `nhiscope blast-radius`.
#[derive(Debug, Args)]
pub struct BlastRadiusArgs {
    /// The credential or identity: a node id, native id or name.
    pub node: String,
    /// The scan: `latest`, its number, or the start of its id.
    #[arg(long, short = 's', default_value = "latest", value_parser = parse_selector)]
    pub scan: ScanSelector,
    /// Stop after this many nodes (default: no limit).
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = FormatArg::Text)]
    pub format: FormatArg,
}

/// `nhiscope graph`.
#[derive(Debug, Args)]
pub struct GraphArgs {
    /// The scan: `latest`, its number, or the start of its id.
    #[arg(long, short = 's', default_value = "latest", value_parser = parse_selector)]
    pub scan: ScanSelector,
    /// Output format (svg renders the DOT through Graphviz's `dot`).
    #[arg(long, short = 'f', value_enum, default_value_t = GraphFormatArg::Dot)]
    pub format: GraphFormatArg,
    /// Only the neighbourhood of this node (id, native id or name).
    #[arg(long, value_name = "NODE")]
    pub around: Option<String>,
    /// How many edges out from --around, either way.
    #[arg(long, default_value_t = 2, requires = "around")]
    pub depth: usize,
    /// Write to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Graph export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormatArg {
    /// Graphviz DOT.
    Dot,
    /// GraphML (Gephi, yEd).
    Graphml,
    /// JSON: nodes and edges.
    Json,
    /// SVG, drawn by Graphviz's `dot`.
    Svg,
}

/// `nhiscope inventory`.
#[derive(Debug, Args)]
pub struct InventoryArgs {
    /// The scan: `latest`, its number, or the start of its id.
    #[arg(long, short = 's', default_value = "latest", value_parser = parse_selector)]
    pub scan: ScanSelector,
    /// Which classes of node to list; repeatable. Default: identity,
    /// credential and workload.
    #[arg(long, value_enum, value_delimiter = ',')]
    pub kind: Vec<NodeClassArg>,
    /// Only nodes of this provider (`aws`, `github`, ...).
    #[arg(long, value_name = "PROVIDER")]
    pub provider: Option<String>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = InventoryFormatArg::Text)]
    pub format: InventoryFormatArg,
}

/// Node classes on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum NodeClassArg {
    /// Principals: users, roles, service accounts, apps.
    Identity,
    /// Keys, tokens, certificates, passwords.
    Credential,
    /// Things that run code: pods, CI jobs, instances.
    Workload,
    /// Policies, roles and scopes.
    Permission,
    /// What permissions reach.
    Resource,
    /// People and teams.
    Owner,
    /// Accounts, clusters, repositories, files.
    Source,
}

impl NodeClassArg {
    /// The class name nodes carry.
    pub fn as_str(self) -> &'static str {
        match self {
            NodeClassArg::Identity => "identity",
            NodeClassArg::Credential => "credential",
            NodeClassArg::Workload => "workload",
            NodeClassArg::Permission => "permission",
            NodeClassArg::Resource => "resource",
            NodeClassArg::Owner => "owner",
            NodeClassArg::Source => "source",
        }
    }
}

/// Formats of the inventory listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InventoryFormatArg {
    /// Aligned columns.
    Text,
    /// A JSON array.
    Json,
    /// CSV for spreadsheets.
    Csv,
}

/// `nhiscope diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The older scan. Default: the scan before NEWER of the same sources.
    #[arg(value_name = "OLDER", value_parser = parse_selector)]
    pub older: Option<ScanSelector>,
    /// The newer scan. Default: the latest.
    #[arg(value_name = "NEWER", value_parser = parse_selector)]
    pub newer: Option<ScanSelector>,
    /// Output format: text, json or markdown.
    #[arg(long, short = 'f', default_value = "text", value_parser = parse_format)]
    pub format: ReportFormat,
    /// Exit with 1 when a new finding is at or above this severity.
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<SeverityArg>,
}

/// `nhiscope baseline ...`.
#[derive(Debug, Subcommand)]
pub enum BaselineCommand {
    /// Write the fingerprints of a stored scan's findings to FILE.
    Create(BaselineCreateArgs),
}

/// `nhiscope baseline create`.
#[derive(Debug, Args)]
pub struct BaselineCreateArgs {
    /// The baseline file to write (JSON).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// The scan: `latest`, its number, or the start of its id.
    #[arg(long, short = 's', default_value = "latest", value_parser = parse_selector)]
    pub scan: ScanSelector,
}

/// `nhiscope rules ...`.
#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// List the active rules (built-in plus --rules files).
    List(RulesListArgs),
    /// Run every rule's examples and negative examples; exit 1 on a failure.
    Check(RulesCheckArgs),
}

/// `nhiscope rules list`.
#[derive(Debug, Args)]
pub struct RulesListArgs {
    /// Output format (markdown is the catalogue in docs/rules.md).
    #[arg(long, short = 'f', value_enum, default_value_t = RulesFormat::Text)]
    pub format: RulesFormat,
}

/// Formats of the rule list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    /// A table.
    Text,
    /// JSON.
    Json,
    /// A Markdown catalogue with an anchor per rule.
    Markdown,
}

/// `nhiscope rules check`.
#[derive(Debug, Args)]
pub struct RulesCheckArgs {
    /// Rule files to check on their own. Default: the active rules.
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

/// `nhiscope scan`.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files, directories and repositories to scan for exposed credentials;
    /// `-` reads stdin. Default: the `[fs]` paths of the config, or `.`.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub report: ReportOutputArgs,
    /// Exit with 1 when a finding is at or above this severity.
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<SeverityArg>,
    /// Do not store the scan (the report is still written).
    #[arg(long)]
    pub no_store: bool,
    /// Also scan files excluded by .gitignore, .ignore and .nhiscopeignore.
    #[arg(long)]
    pub include_ignored: bool,
    /// Skip files larger than this many bytes (default 10485760, 10 MiB).
    #[arg(long, value_name = "BYTES")]
    pub max_file_size: Option<u64>,
    /// Exclude paths matching this glob (gitignore syntax); repeatable.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Do not read git history (by default, a PATH that is a repository root
    /// has its whole history scanned too).
    #[arg(long, conflicts_with_all = ["staged", "since"])]
    pub no_history: bool,
    /// Scan only what is staged for the next commit (for a pre-commit hook).
    #[arg(long, conflicts_with = "since")]
    pub staged: bool,
    /// Read only the history not reachable from REV (a branch, tag or commit).
    #[arg(long, value_name = "REV")]
    pub since: Option<String>,
    /// Leave out findings recorded in this baseline (`nhiscope baseline create`).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Gate only on findings that are new since the previous stored scan of
    /// the same sources (after --baseline): --fail-on ignores known debt.
    #[arg(long)]
    pub new_only: bool,
    /// Judge ages (key age, last use, expiry) as of this time (RFC 3339 or
    /// YYYY-MM-DD) instead of now, for reproducible reports.
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub as_of: Option<jiff::Timestamp>,
    #[command(flatten)]
    pub aws: AwsArgs,
    #[command(flatten)]
    pub k8s: K8sArgs,
}

/// Kubernetes sources of `nhiscope scan` (also `[kubernetes]` in the config).
#[derive(Debug, Args)]
#[command(next_help_heading = "Kubernetes")]
pub struct K8sArgs {
    /// Collect Kubernetes live through the kubeconfig's current context
    /// (get and list calls only).
    #[arg(long)]
    pub k8s: bool,
    /// Read this kubeconfig context (implies --k8s); repeatable.
    #[arg(long, value_name = "NAME")]
    pub context: Vec<String>,
    /// Read every context of the kubeconfig (implies --k8s).
    #[arg(long)]
    pub all_contexts: bool,
    /// The kubeconfig file (default: $KUBECONFIG, then ~/.kube/config).
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// Use the pod's own service account (when running inside a cluster).
    #[arg(long)]
    pub in_cluster: bool,
    /// Import a `kubectl get ... -o json|yaml` export, a manifest file, or a
    /// directory of them (one cluster per path); repeatable.
    #[arg(long, value_name = "PATH")]
    pub k8s_export: Vec<PathBuf>,
}

/// AWS sources of `nhiscope scan` (also `[aws]` in the config).
#[derive(Debug, Args)]
#[command(next_help_heading = "AWS")]
pub struct AwsArgs {
    /// Collect AWS IAM live with the default credential chain (env,
    /// profiles, SSO, instance metadata).
    #[arg(long)]
    pub aws: bool,
    /// The AWS profile to use (implies --aws).
    #[arg(long, value_name = "NAME")]
    pub aws_profile: Option<String>,
    /// Assume this role to scan its account (implies --aws); repeatable.
    #[arg(long, value_name = "ROLE_ARN")]
    pub aws_assume_role: Vec<String>,
    /// Also scan every account of the AWS Organization (implies --aws).
    #[arg(long)]
    pub aws_organization: bool,
    /// Import an `aws iam get-account-authorization-details` JSON or a
    /// credential report CSV, or a directory of them; repeatable.
    #[arg(long, value_name = "PATH")]
    pub aws_export: Vec<PathBuf>,
}

/// `nhiscope scans`.
#[derive(Debug, Args)]
pub struct ScansArgs {
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = FormatArg::Text)]
    pub format: FormatArg,
}

/// `nhiscope findings`.
#[derive(Debug, Args)]
pub struct FindingsArgs {
    /// The scan: `latest`, its number, or the start of its id.
    #[arg(long, short = 's', default_value = "latest", value_parser = parse_selector)]
    pub scan: ScanSelector,
    /// Only findings at or above this severity.
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub severity: Option<SeverityArg>,
    /// Leave out findings recorded in this baseline.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = FormatArg::Text)]
    pub format: FormatArg,
}

/// `nhiscope report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The scan: `latest`, its number, or the start of its id.
    #[arg(long, short = 's', default_value = "latest", value_parser = parse_selector)]
    pub scan: ScanSelector,
    #[command(flatten)]
    pub report: ReportOutputArgs,
    /// Compare with the previous scan of the same sources (SARIF
    /// baselineState, Markdown "since").
    #[arg(long)]
    pub compare: bool,
}

/// Where reports go and in which formats.
#[derive(Debug, Args)]
pub struct ReportOutputArgs {
    /// The report format: text, json, sarif, markdown or csv.
    #[arg(long, short = 'f', default_value = "text", value_parser = parse_format)]
    pub format: ReportFormat,
    /// Where to write a report: FILE (in --format), FORMAT=FILE, or
    /// FORMAT=- for stdout; repeatable, so one run writes several formats
    /// (`-o sarif=out.sarif -o markdown=summary.md -o json=-`).
    #[arg(long, short = 'o', value_name = "[FORMAT=]FILE")]
    pub output: Vec<String>,
    /// SARIF's automationDetails category, so several scans of one
    /// repository upload side by side (default `nhiscope`).
    #[arg(long, value_name = "NAME")]
    pub category: Option<String>,
}

fn parse_time(text: &str) -> Result<jiff::Timestamp, String> {
    nhiscope_aws_iam::parse_timestamp(text).ok_or_else(|| {
        format!(
            "`{text}` is not a time: use RFC 3339 (2026-01-31T12:00:00Z) or a date (2026-01-31)"
        )
    })
}

fn parse_selector(text: &str) -> Result<ScanSelector, String> {
    text.parse()
}

fn parse_format(text: &str) -> Result<ReportFormat, String> {
    text.parse()
}

/// Output formats on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// A human summary.
    Text,
    /// JSON (docs/report-json.md).
    Json,
}

impl From<FormatArg> for ReportFormat {
    fn from(format: FormatArg) -> Self {
        match format {
            FormatArg::Text => ReportFormat::Text,
            FormatArg::Json => ReportFormat::Json,
        }
    }
}

/// Severities on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SeverityArg {
    /// Critical only.
    Critical,
    /// High and above.
    High,
    /// Medium and above.
    Medium,
    /// Low and above.
    Low,
    /// Everything.
    Info,
}

impl From<SeverityArg> for Severity {
    fn from(severity: SeverityArg) -> Self {
        match severity {
            SeverityArg::Critical => Severity::Critical,
            SeverityArg::High => Severity::High,
            SeverityArg::Medium => Severity::Medium,
            SeverityArg::Low => Severity::Low,
            SeverityArg::Info => Severity::Info,
        }
    }
}
