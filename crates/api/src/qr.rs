//! QR codes of ticket codes, as SVG and PNG, and of pairing URLs, as SVG.
//! Building a QR matrix costs a millisecond or two of CPU, so each ticket's
//! rendering is made once and kept in a bounded cache keyed by the code; a
//! pairing URL, a secret, is never kept.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, PoisonError};

use lru::LruCache;
use qrcode::bits::Bits;
use qrcode::render::svg;
use qrcode::{Color, EcLevel, QrCode, Version};

use crate::error::{ApiError, ApiResult};

/// Renderings kept per format.
const CACHED: NonZeroUsize = match NonZeroUsize::new(10_000) {
    Some(size) => size,
    None => NonZeroUsize::MIN,
};
/// Light modules around the code, as the QR standard asks.
const QUIET_ZONE: usize = 4;
/// Pixels per module in the PNG.
const PNG_SCALE: usize = 8;

/// Renders and caches QR codes.
pub struct QrRenderer {
    svg: Mutex<LruCache<String, Arc<str>>>,
    png: Mutex<LruCache<String, Arc<[u8]>>>,
}

impl Default for QrRenderer {
    fn default() -> Self {
        Self {
            svg: Mutex::new(LruCache::new(CACHED)),
            png: Mutex::new(LruCache::new(CACHED)),
        }
    }
}

/// The smallest QR code holding `code` in byte mode at error correction M.
/// Byte mode is forced: the crate's mixed-mode segmentation sometimes
/// spends more bits on a code like ours, and a ticket must always fit
/// version 10.
fn matrix(code: &str) -> ApiResult<QrCode> {
    let mut last_error = None;
    for version in 1..=40 {
        let mut bits = Bits::new(Version::Normal(version));
        let pushed = bits
            .push_byte_data(code.as_bytes())
            .and_then(|()| bits.push_terminator(EcLevel::M));
        match pushed {
            Ok(()) => return QrCode::with_bits(bits, EcLevel::M).map_err(ApiError::internal),
            Err(error) => last_error = Some(error),
        }
    }
    Err(ApiError::internal(anyhow::anyhow!(
        "a code of {} bytes fits no QR code: {last_error:?}",
        code.len()
    )))
}

fn cached<T: ?Sized>(
    cache: &Mutex<LruCache<String, Arc<T>>>,
    code: &str,
    render: impl FnOnce() -> ApiResult<Arc<T>>,
) -> ApiResult<Arc<T>> {
    if let Some(hit) = cache
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(code)
    {
        return Ok(hit.clone());
    }
    let rendered = render()?;
    cache
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .put(code.to_owned(), rendered.clone());
    Ok(rendered)
}

/// `text` as an SVG document.
fn svg_document(text: &str) -> ApiResult<String> {
    Ok(matrix(text)?
        .render::<svg::Color<'_>>()
        .min_dimensions(240, 240)
        .quiet_zone(true)
        .build())
}

/// A secret (a pairing URL, which carries a scanner token) as an SVG
/// document, made afresh and kept nowhere: a cache would hold live tokens
/// in memory long after they were shown, and pairing a phone is rare
/// enough that a millisecond or two each time costs nothing.
pub fn secret_svg(secret: &str) -> ApiResult<String> {
    svg_document(secret)
}

impl QrRenderer {
    /// The code as an SVG document.
    pub fn svg(&self, code: &str) -> ApiResult<Arc<str>> {
        cached(&self.svg, code, || Ok(Arc::from(svg_document(code)?)))
    }

    /// The code as a greyscale PNG image.
    pub fn png(&self, code: &str) -> ApiResult<Arc<[u8]>> {
        cached(&self.png, code, || {
            let qr = matrix(code)?;
            let modules = qr.width();
            let colors = qr.to_colors();
            let side = (modules + 2 * QUIET_ZONE) * PNG_SCALE;
            let mut pixels = vec![255_u8; side * side];
            for (index, color) in colors.iter().enumerate() {
                if *color == Color::Light {
                    continue;
                }
                let (row, column) = (index / modules + QUIET_ZONE, index % modules + QUIET_ZONE);
                for y in row * PNG_SCALE..(row + 1) * PNG_SCALE {
                    pixels[y * side + column * PNG_SCALE..y * side + (column + 1) * PNG_SCALE]
                        .fill(0);
                }
            }
            let side = u32::try_from(side).map_err(ApiError::internal)?;
            let mut bytes = Vec::new();
            let mut encoder = png::Encoder::new(&mut bytes, side, side);
            encoder.set_color(png::ColorType::Grayscale);
            encoder.set_depth(png::BitDepth::Eight);
            let mut writer = encoder.write_header().map_err(ApiError::internal)?;
            writer
                .write_image_data(&pixels)
                .map_err(ApiError::internal)?;
            writer.finish().map_err(ApiError::internal)?;
            Ok(Arc::from(bytes))
        })
    }
}

/// The QR version a code needs at error correction M.
pub fn version_needed(code: &str) -> ApiResult<i16> {
    match matrix(code)?.version() {
        Version::Normal(version) | Version::Micro(version) => Ok(version),
    }
}
