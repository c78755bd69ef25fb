//! The explorer without a terminal: the same app, fed keys from a script and
//! drawn into ratatui's `TestBackend`. Tests read its screens; the
//! benchmark reads its timings (`nhiscope tui --keys ... --timings`).

use std::time::{Duration, Instant};

use crossterm::event::Event;
use ratatui::{Terminal, backend::TestBackend, buffer::Buffer};
use serde::Serialize;

use crate::{
    TuiError,
    action::{action_for, parse_key},
    app::{App, Options},
    update::Effect,
};

/// How long one key took.
#[derive(Clone, Debug, Serialize)]
pub struct KeyTiming {
    /// The key as written in the script.
    pub key: String,
    /// What it did (`scroll`, `sort`, `open / follow edge`, ...).
    pub action: String,
    /// From the key to the redrawn frame, queries included (ms).
    pub ms: f64,
    /// From the key until the background work it started had finished and
    /// was drawn (ms; equal to `ms` when it started none).
    pub settled_ms: f64,
}

/// What a scripted run measured.
#[derive(Clone, Debug, Serialize)]
pub struct Timings {
    /// The store.
    pub store: String,
    /// The scan explored.
    pub scan: u64,
    /// Width and height.
    pub size: (u16, u16),
    /// `debug` or `release`.
    pub build: &'static str,
    /// From the start of the command to the first frame (ms).
    pub first_frame_ms: f64,
    /// From the start of the command until the graph and the list indexes
    /// were loaded and drawn (ms).
    pub ready_ms: f64,
    /// Each key.
    pub keys: Vec<KeyTiming>,
}

/// The explorer drawn into a test backend.
#[derive(Debug)]
pub struct Headless {
    app: App,
    terminal: Terminal<TestBackend>,
    copied: Vec<String>,
}

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
}

impl Headless {
    /// Opens the store and draws the first frame.
    pub fn open(options: &Options, size: (u16, u16)) -> Result<Self, TuiError> {
        let app = App::open(options, size)?;
        let Ok(terminal) = Terminal::new(TestBackend::new(size.0, size.1));
        let mut headless = Self {
            app,
            terminal,
            copied: Vec::new(),
        };
        headless.redraw();
        Ok(headless)
    }

    fn redraw(&mut self) {
        let app = &self.app;
        let Ok(_) = self.terminal.draw(|frame| app.draw(frame));
    }

    /// Waits for the background work to finish and redraws.
    pub fn settle(&mut self) {
        self.app.settle();
        self.redraw();
    }

    /// Presses one key (as in a `--keys` script) and redraws; returns what
    /// it did, or `None` for a key that does nothing here.
    pub fn press(&mut self, key: &str) -> Result<Option<&'static str>, TuiError> {
        let event = parse_key(key).ok_or_else(|| TuiError::BadKey(key.to_string()))?;
        let action = action_for(&Event::Key(event), &self.app.state);
        if let Some(action) = action {
            for effect in self.app.apply(action) {
                match effect {
                    Effect::Copy(text) => self.copied.push(text),
                }
            }
        }
        self.app.poll(Duration::ZERO);
        self.redraw();
        Ok(action.map(|a| a.name()))
    }

    /// Presses the keys of a script (`j,j,Enter`) one by one, settling
    /// after each.
    pub fn keys(&mut self, script: &str) -> Result<(), TuiError> {
        for key in split_keys(script) {
            self.press(key)?;
            self.settle();
            if self.app.should_quit() {
                break;
            }
        }
        Ok(())
    }

    /// Resizes the screen.
    pub fn resize(&mut self, width: u16, height: u16) {
        self.terminal.backend_mut().resize(width, height);
        let _ = self.app.apply(crate::action::Action::Resize(width, height));
        self.redraw();
    }

    /// The screen as text, one line per row, trailing spaces trimmed.
    pub fn screen(&self) -> String {
        screen_text(self.terminal.backend().buffer())
    }

    /// The screen with its styles.
    pub fn buffer(&self) -> &Buffer {
        self.terminal.backend().buffer()
    }

    /// What was copied to the clipboard so far.
    pub fn copied(&self) -> &[String] {
        &self.copied
    }

    /// Lets go of the store, as the explorer does when the user is idle
    /// (a scan in another terminal can then write it).
    pub fn idle(&mut self) {
        self.app.idle();
    }

    /// Whether the user quit.
    pub fn quit(&self) -> bool {
        self.app.should_quit()
    }
}

/// A buffer as text, one line per row, trailing spaces trimmed.
pub fn screen_text(buffer: &Buffer) -> String {
    let width = usize::from(buffer.area.width).max(1);
    let mut out = String::new();
    for row in buffer.content.chunks(width) {
        let mut line = String::new();
        let mut skip = 0;
        for cell in row {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let symbol = cell.symbol();
            skip = unicode_width::UnicodeWidthStr::width(symbol).saturating_sub(1);
            line.push_str(symbol);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The keys of a script: comma-separated (`Comma` is a comma).
pub fn split_keys(script: &str) -> impl Iterator<Item = &str> {
    script.split(',').map(str::trim).filter(|k| !k.is_empty())
}

/// Parses `WIDTHxHEIGHT`.
pub fn parse_size(text: &str) -> Result<(u16, u16), TuiError> {
    let bad = || TuiError::BadSize(text.to_string());
    let (width, height) = text.split_once(['x', 'X']).ok_or_else(bad)?;
    let width: u16 = width.trim().parse().map_err(|_| bad())?;
    let height: u16 = height.trim().parse().map_err(|_| bad())?;
    if width < 20 || height < 8 {
        return Err(bad());
    }
    Ok((width, height))
}

/// Runs a key script from `started` (the command's start) and measures it:
/// the first frame, the moment everything loaded, and each key. The keys
/// are checked before anything runs.
pub fn measure(
    options: &Options,
    size: (u16, u16),
    script: &str,
    started: Instant,
) -> Result<(Timings, String), TuiError> {
    for key in split_keys(script) {
        parse_key(key).ok_or_else(|| TuiError::BadKey(key.to_string()))?;
    }
    let mut headless = Headless::open(options, size)?;
    let first_frame_ms = ms(started);
    headless.settle();
    let ready_ms = ms(started);
    let mut keys = Vec::new();
    for key in split_keys(script) {
        let pressed = Instant::now();
        let action = headless.press(key)?;
        let key_ms = ms(pressed);
        let settled_ms = if headless.app.busy() {
            headless.settle();
            ms(pressed)
        } else {
            key_ms
        };
        keys.push(KeyTiming {
            key: key.to_string(),
            action: action.unwrap_or("none").to_string(),
            ms: key_ms,
            settled_ms,
        });
        if headless.quit() {
            break;
        }
    }
    let timings = Timings {
        store: options.db.display().to_string(),
        scan: headless.app.state.current_scan().map_or(0, |s| s.number),
        size,
        build: if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        },
        first_frame_ms,
        ready_ms,
        keys,
    };
    Ok((timings, headless.screen()))
}
