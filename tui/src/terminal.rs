//! The explorer in a real terminal: raw mode, the alternate screen and
//! mouse reporting on the way in, all restored on the way out — on quit,
//! on an error, on a panic and on an interrupt.

use std::{
    io::{self, Stdout, Write},
    sync::{
        Arc, Once,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use crossterm::{
    clipboard::CopyToClipboard,
    cursor,
    event::{self, DisableMouseCapture, EnableMouseCapture},
    execute,
    terminal::{self, EnterAlternateScreen, LeaveAlternateScreen},
};
use ratatui::{Terminal, backend::CrosstermBackend};

use crate::{
    TuiError,
    action::action_for,
    app::{App, Options},
    update::Effect,
};

/// After this long without input the store is let go (so a scan in another
/// terminal can write it).
const IDLE: Duration = Duration::from_millis(800);

/// Puts the terminal back as it was. Safe to call more than once.
fn restore() {
    let _ = terminal::disable_raw_mode();
    let _ = execute!(
        io::stdout(),
        DisableMouseCapture,
        LeaveAlternateScreen,
        cursor::Show
    );
}

/// Restores the terminal before a panic message is printed.
fn install_panic_hook() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
    });
}

/// Raw mode and the alternate screen while it lives.
struct Guard;

impl Guard {
    fn enter() -> Result<Self, TuiError> {
        install_panic_hook();
        terminal::enable_raw_mode()?;
        let guard = Guard;
        execute!(
            io::stdout(),
            EnterAlternateScreen,
            EnableMouseCapture,
            cursor::Hide
        )?;
        Ok(guard)
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        restore();
    }
}

fn copy(out: &mut Stdout, text: &str) {
    // Terminals without OSC 52 ignore the sequence.
    let _ = execute!(out, CopyToClipboard::to_clipboard_from(text));
    let _ = out.flush();
}

/// Runs the explorer until the user quits or `interrupted` is set (the
/// binary sets it on SIGINT and SIGTERM).
pub fn run(options: &Options, interrupted: &Arc<AtomicBool>) -> Result<(), TuiError> {
    let size = terminal::size()?;
    // Open the store before taking over the terminal, so a bad store is an
    // ordinary error message.
    let mut app = App::open(options, size)?;
    let _guard = Guard::enter()?;
    let mut terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
    let mut last_input = Instant::now();
    loop {
        terminal.draw(|frame| app.draw(frame))?;
        if app.should_quit() || interrupted.load(Ordering::Relaxed) {
            break;
        }
        let wait = if app.busy() {
            Duration::from_millis(25)
        } else {
            Duration::from_millis(250)
        };
        if event::poll(wait)? {
            // Apply every queued event before drawing again, so a held key
            // does not queue up frames.
            loop {
                let event = event::read()?;
                if let Some(action) = action_for(&event, &app.state) {
                    for effect in app.apply(action) {
                        match effect {
                            Effect::Copy(text) => copy(&mut io::stdout(), &text),
                        }
                    }
                }
                if app.should_quit() || !event::poll(Duration::ZERO)? {
                    break;
                }
            }
            last_input = Instant::now();
        } else if last_input.elapsed() >= IDLE {
            app.idle();
        }
        app.poll(Duration::ZERO);
    }
    Ok(())
}
