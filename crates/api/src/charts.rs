//! The arrivals chart: check-ins per five minutes from doors open to late
//! entry closed, with the start marked, drawn with plotters as SVG.

use plotters::prelude::*;
use usher_domain::catalogue::Item;
use usher_domain::input::Timezone;
use usher_domain::time::Timestamp;

/// Minutes per bar.
const BIN_MINUTES: i64 = 5;

/// Check-ins per bin; bins cover doors open to late entry closed.
pub fn arrivals_per_bin(item: &Item, check_ins: &[Timestamp]) -> Vec<u32> {
    let opens = item.schedule.doors_open_at();
    let closes = item.schedule.late_entry_until();
    let span = (closes - opens).num_minutes().max(1);
    let bins = usize::try_from((span + BIN_MINUTES - 1) / BIN_MINUTES).unwrap_or(1);
    let mut counts = vec![0_u32; bins];
    for &at in check_ins {
        if at < opens || at > closes {
            continue;
        }
        let bin = usize::try_from((at - opens).num_minutes() / BIN_MINUTES).unwrap_or(0);
        if let Some(count) = counts.get_mut(bin.min(bins - 1)) {
            *count += 1;
        }
    }
    counts
}

/// The chart as an SVG document.
pub fn arrivals_svg(
    item: &Item,
    check_ins: &[Timestamp],
    timezone: Timezone,
) -> Result<String, String> {
    let counts = arrivals_per_bin(item, check_ins);
    let opens = item.schedule.doors_open_at();
    let starts = item.schedule.starts_at();
    let first_minute = (opens - starts).num_minutes();
    let last_minute = first_minute + BIN_MINUTES * i64::try_from(counts.len()).unwrap_or(0);
    let highest = counts.iter().copied().max().unwrap_or(0).max(1);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (800, 400)).into_drawing_area();
        root.fill(&WHITE).map_err(|error| error.to_string())?;
        let mut chart = ChartBuilder::on(&root)
            .caption(format!("Arrivals: {}", item.title), ("sans-serif", 22))
            .margin(16)
            .x_label_area_size(40)
            .y_label_area_size(48)
            .build_cartesian_2d(first_minute..last_minute, 0_u32..highest + highest / 5 + 1)
            .map_err(|error| error.to_string())?;
        chart
            .configure_mesh()
            .x_desc("minutes from the start")
            .y_desc("check-ins per 5 minutes")
            .draw()
            .map_err(|error| error.to_string())?;
        chart
            .draw_series(counts.iter().enumerate().map(|(index, &count)| {
                let left = first_minute + BIN_MINUTES * i64::try_from(index).unwrap_or(0);
                Rectangle::new(
                    [(left, 0), (left + BIN_MINUTES, count)],
                    BLUE.mix(0.6).filled(),
                )
            }))
            .map_err(|error| error.to_string())?;
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(0, 0), (0, highest + highest / 5 + 1)],
                RED.stroke_width(2),
            )))
            .map_err(|error| error.to_string())?
            .label(format!(
                "start {}",
                starts.with_timezone(&timezone.tz()).format("%H:%M")
            ))
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], RED.stroke_width(2)));
        chart
            .configure_series_labels()
            .border_style(BLACK)
            .background_style(WHITE.mix(0.8))
            .draw()
            .map_err(|error| error.to_string())?;
        root.present().map_err(|error| error.to_string())?;
    }
    Ok(svg)
}
