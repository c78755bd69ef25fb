//! Colours (none under `NO_COLOR`: selection and emphasis then use
//! reverse video and bold only) and the formatting every view shares.

use jiff::Timestamp;
use nhiscope_model::Severity;
use ratatui::style::{Color, Modifier, Style};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// The styles of one frame.
#[derive(Clone, Copy, Debug)]
pub struct Theme {
    color: bool,
}

impl Theme {
    /// Colours when `color`, else only modifiers.
    pub fn new(color: bool) -> Self {
        Self { color }
    }

    fn fg(self, color: Color) -> Style {
        if self.color {
            Style::default().fg(color)
        } else {
            Style::default()
        }
    }

    /// A severity's label style.
    pub fn severity(self, severity: Severity) -> Style {
        match severity {
            Severity::Critical => self.fg(Color::Red).add_modifier(Modifier::BOLD),
            Severity::High => self.fg(Color::LightRed),
            Severity::Medium => self.fg(Color::Yellow),
            Severity::Low => self.fg(Color::Blue),
            Severity::Info => self.fg(Color::Gray),
        }
    }

    /// The selected row.
    pub fn selected(self) -> Style {
        Style::default().add_modifier(Modifier::REVERSED)
    }

    /// Column headers and labels.
    pub fn header(self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    /// Titles and emphasis.
    pub fn strong(self) -> Style {
        Style::default().add_modifier(Modifier::BOLD)
    }

    /// Secondary text.
    pub fn dim(self) -> Style {
        if self.color {
            Style::default().fg(Color::DarkGray)
        } else {
            Style::default()
        }
    }

    /// A failure.
    pub fn error(self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }

    /// High-value nodes and alarms.
    pub fn alarm(self) -> Style {
        self.fg(Color::Magenta).add_modifier(Modifier::BOLD)
    }

    /// Borders of the focused pane.
    pub fn focus(self, focused: bool) -> Style {
        if focused {
            self.fg(Color::Cyan)
        } else {
            self.dim()
        }
    }
}

/// A severity in four letters.
pub fn severity_label(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "CRIT",
        Severity::High => "HIGH",
        Severity::Medium => "MED",
        Severity::Low => "LOW",
        Severity::Info => "INFO",
    }
}

/// How long ago Unix second `then` was, as of `now`: `3y`, `11mo`, `41d`,
/// `5h`, `now`; `-` when unknown.
pub fn age(now: Timestamp, then: i64) -> String {
    if then == i64::MAX || then == i64::MIN {
        return "-".into();
    }
    let seconds = now.as_second().saturating_sub(then);
    if seconds < 0 {
        // After the as-of time: as recent as it gets.
        return "now".into();
    }
    let days = seconds / 86_400;
    match days {
        0 if seconds < 3600 => "now".into(),
        0 => format!("{}h", seconds / 3600),
        1..=59 => format!("{days}d"),
        60..=729 => format!("{}mo", days / 30),
        _ => format!("{}y", days / 365),
    }
}

/// A date, `2026-11-20`.
pub fn date(time: Option<Timestamp>) -> String {
    time.map_or_else(|| "-".into(), |t| t.strftime("%Y-%m-%d").to_string())
}

/// A date and time to the minute, UTC.
pub fn minute(time: Option<Timestamp>) -> String {
    time.map_or_else(|| "-".into(), |t| t.strftime("%Y-%m-%d %H:%M").to_string())
}

/// `1234567` as `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `text` cut to `width` columns, with `…` when cut.
pub fn fit(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// A bar of `value` out of `max` in at most `width` cells.
pub fn bar(value: u64, max: u64, width: usize) -> String {
    if max == 0 || value == 0 {
        return String::new();
    }
    let cells = (value as f64 / max as f64 * width as f64).ceil() as usize;
    "█".repeat(cells.clamp(1, width.max(1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_at_a_glance() {
        let now: Timestamp = "2026-11-20T00:00:00Z".parse().expect("a time");
        let day = 86_400;
        assert_eq!(age(now, now.as_second() - 3 * day), "3d");
        assert_eq!(age(now, now.as_second() - 400 * day), "13mo");
        assert_eq!(age(now, now.as_second() - 1409 * day), "3y");
        assert_eq!(age(now, i64::MAX), "-");
        assert_eq!(thousands(1_000_000), "1,000,000");
        assert_eq!(fit("legacy-reporting", 8), "legacy-…");
    }
}
