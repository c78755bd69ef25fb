use std::sync::{
    Arc,
    atomic::{AtomicU64, Ordering},
};

use async_trait::async_trait;
use jiff::Timestamp;
use nhiscope_model::{IdentityType, Node, NodeId, NodeKind, ScanId};
use tokio_util::sync::CancellationToken;

use super::*;
use crate::{ConfigError, FixedClock, Limits};

/// Emits `count` nodes, then fails or panics as told.
struct Scripted {
    id: &'static str,
    count: usize,
    ending: Ending,
}

enum Ending {
    Succeed,
    Fail,
    Panic,
}

#[async_trait]
impl Collector for Scripted {
    fn id(&self) -> &'static str {
        self.id
    }

    fn describe(&self) -> &'static str {
        "a scripted collector for tests"
    }

    fn check_config(&self, _section: &toml::Table) -> Result<(), ConfigError> {
        Ok(())
    }

    async fn collect(&self, _cx: &CollectContext, out: &dyn NodeSink) -> Result<(), CollectError> {
        for index in 0..self.count {
            let kind = NodeKind::Identity(IdentityType::IamUser);
            let id = NodeId::new("test", &kind, &format!("{}-{index}", self.id));
            out.node(Node::new(id, kind, "user", "test", self.id));
            out.scanned(1);
        }
        out.error(Some("item-7".into()), "item 7 is unreadable".into());
        match self.ending {
            Ending::Succeed => Ok(()),
            Ending::Fail => Err(CollectError::Unavailable {
                target: "account 1".into(),
                message: "access denied; grant iam:List* to the scanning role".into(),
            }),
            Ending::Panic => panic!("scripted panic"),
        }
    }
}

fn run(collector: Scripted) -> CollectorRun {
    CollectorRun {
        collector: Arc::new(collector),
        context: CollectContext {
            scan_id: ScanId::new(Timestamp::UNIX_EPOCH),
            clock: Arc::new(FixedClock(Timestamp::UNIX_EPOCH)),
            limits: Limits::default(),
            cancel: CancellationToken::new(),
            config: toml::Table::new(),
        },
        targets: vec!["t".into()],
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_are_recorded_and_nothing_collected_is_lost() {
    let progress_calls = Arc::new(AtomicU64::new(0));
    let counter = progress_calls.clone();
    let outcome = run_collectors(
        vec![
            run(Scripted {
                id: "good",
                count: 3,
                ending: Ending::Succeed,
            }),
            run(Scripted {
                id: "failing",
                count: 2,
                ending: Ending::Fail,
            }),
            run(Scripted {
                id: "crashing",
                count: 1,
                ending: Ending::Panic,
            }),
        ],
        Arc::new(move |_| {
            counter.fetch_add(1, Ordering::Relaxed);
        }),
    )
    .await;
    assert_eq!(outcome.inventory.nodes().len(), 6);
    assert_eq!(progress_calls.load(Ordering::Relaxed), 6);
    let succeeded: Vec<(&str, bool, u64)> = outcome
        .sources
        .iter()
        .map(|s| (s.collector.as_str(), s.succeeded, s.items_scanned))
        .collect();
    assert_eq!(
        succeeded,
        [
            ("good", true, 3),
            ("failing", false, 2),
            ("crashing", false, 1)
        ]
    );
    let fatal: Vec<(&str, &str)> = outcome
        .errors
        .iter()
        .filter(|e| e.fatal)
        .map(|e| (e.collector.as_str(), e.message.as_str()))
        .collect();
    assert_eq!(fatal.len(), 2);
    assert_eq!(
        fatal[0],
        (
            "failing",
            "account 1: access denied; grant iam:List* to the scanning role"
        )
    );
    assert_eq!(fatal[1].0, "crashing");
    assert!(fatal[1].1.contains("crashed"), "{}", fatal[1].1);
    assert_eq!(outcome.errors.iter().filter(|e| !e.fatal).count(), 3);
    assert!(outcome.is_incomplete());
    assert!(!outcome.interrupted);
}
