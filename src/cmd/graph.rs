//! `nhiscope graph`: the access graph, or one node's neighbourhood, as DOT,
//! GraphML, JSON, or SVG drawn by Graphviz.

use std::{
    io::Write as _,
    process::{Command, Stdio},
};

use anyhow::{Context, bail};
use nhiscope_graph::export;

use super::{open_store, resolve_node, write_output};
use crate::{
    cli::{GlobalArgs, GraphArgs, GraphFormatArg},
    exit::Exit,
};

/// Above this many nodes a whole-graph export asks for --around instead.
const MAX_WHOLE_GRAPH: usize = 20_000;

/// Renders DOT to SVG with Graphviz's `dot`.
fn svg(dot: &str) -> anyhow::Result<Vec<u8>> {
    let mut child = match Command::new("dot")
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => bail!(
            "--format svg needs Graphviz's `dot`, which is not installed: install Graphviz (Debian/Ubuntu: apt-get install graphviz; Fedora: dnf install graphviz; macOS: brew install graphviz), or write --format dot and render it elsewhere"
        ),
        Err(error) => return Err(error).context("cannot run Graphviz's `dot`"),
    };
    child
        .stdin
        .take()
        .context("dot's stdin")?
        .write_all(dot.as_bytes())
        .context("writing to Graphviz's `dot`")?;
    let output = child
        .wait_with_output()
        .context("waiting for Graphviz's `dot`")?;
    if !output.status.success() {
        bail!(
            "Graphviz's `dot` failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(output.stdout)
}

/// Runs `nhiscope graph`.
pub fn run(global: &GlobalArgs, args: &GraphArgs) -> anyhow::Result<Exit> {
    let store = open_store(global)?;
    let record = store.resolve(&args.scan)?;
    let graph = store.load_graph(&record.id)?;
    let (nodes, center) = match &args.around {
        Some(text) => {
            let center = resolve_node(&store, &record.id, &graph, text)?;
            (
                export::neighbourhood(&graph, center, args.depth),
                Some(center),
            )
        }
        None => {
            if graph.node_count() > MAX_WHOLE_GRAPH && args.format != GraphFormatArg::Json {
                bail!(
                    "the graph of scan #{} has {} nodes, too many to draw: pick a neighbourhood with --around NODE --depth N, or export --format json",
                    record.number.unwrap_or(0),
                    graph.node_count()
                );
            }
            (graph.nodes().collect(), None)
        }
    };
    let bytes = match args.format {
        GraphFormatArg::Dot => export::to_dot(&graph, &nodes, center).into_bytes(),
        GraphFormatArg::Svg => svg(&export::to_dot(&graph, &nodes, center))?,
        GraphFormatArg::Graphml => export::to_graphml(&graph, &nodes).into_bytes(),
        GraphFormatArg::Json => {
            let mut text = serde_json::to_string_pretty(&export::to_json(&graph, &nodes))?;
            text.push('\n');
            text.into_bytes()
        }
    };
    write_output(args.output.as_deref(), |out| {
        out.write_all(&bytes)?;
        Ok(())
    })?;
    Ok(Exit::Clean)
}
