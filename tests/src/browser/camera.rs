//! A fake camera: a YUV4MPEG2 file (`.y4m`) that chromium, started with
//! `--use-file-for-fake-video-capture`, plays in a loop as its only camera.
//!
//! The picture is grey on white: luma from the image, both chroma planes
//! at 128. Luma is written in the studio range (16 black, 235 white),
//! which is how chromium reads it, so a page drawing a frame to a canvas
//! gets back the image's own greys.

use std::fs::File;
use std::io::{self, BufWriter, Write as _};
use std::path::Path;

/// VGA: what `getUserMedia({ video: true })` asks for by default.
pub const CAMERA_WIDTH: usize = 640;
pub const CAMERA_HEIGHT: usize = 480;
/// Identical frames in the file; chromium loops them.
pub const CAMERA_FRAMES: usize = 3;
/// The file's header line, newline included.
pub const CAMERA_HEADER: &str = "YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\n";

/// The share of the frame the image may fill, at most, in each direction.
const FILL: f64 = 0.9;
const NEUTRAL_CHROMA: u8 = 128;

/// Writes a camera at `path` showing `png` (any PNG colour type; alpha
/// is laid over white) centred on white. The image is scaled by the
/// largest whole factor that fits 90% of the frame, or shrunk by the
/// smallest whole factor when it is larger than that: the server's QR
/// code (`GET /tickets/{id}/qr.png`, 520 pixels square, 8 per module)
/// shows at half size, 260 pixels and 4 per module, every module the
/// same size.
pub fn camera_showing_png(png: &[u8], path: &Path) -> io::Result<()> {
    let image = Grey::decode(png)?;
    write_camera(path, &image.centred_luma())
}

/// Writes a camera at `path` that sees only white.
pub fn blank_camera(path: &Path) -> io::Result<()> {
    write_camera(path, &vec![luma(u8::MAX); CAMERA_WIDTH * CAMERA_HEIGHT])
}

fn write_camera(path: &Path, luma_plane: &[u8]) -> io::Result<()> {
    let chroma_plane = vec![NEUTRAL_CHROMA; (CAMERA_WIDTH / 2) * (CAMERA_HEIGHT / 2)];
    let mut file = BufWriter::new(File::create(path)?);
    file.write_all(CAMERA_HEADER.as_bytes())?;
    for _ in 0..CAMERA_FRAMES {
        file.write_all(b"FRAME\n")?;
        file.write_all(luma_plane)?;
        file.write_all(&chroma_plane)?;
        file.write_all(&chroma_plane)?;
    }
    file.flush()
}

/// A full-range grey (0 black, 255 white) in the studio range.
fn luma(grey: u8) -> u8 {
    let studio = 16 + (u32::from(grey) * 219 + 127) / 255;
    u8::try_from(studio).unwrap_or(u8::MAX)
}

/// A decoded image as greys, one byte a pixel, row after row.
struct Grey {
    width: usize,
    height: usize,
    pixels: Vec<u8>,
}

impl Grey {
    fn decode(png: &[u8]) -> io::Result<Self> {
        let invalid = |error: png::DecodingError| io::Error::new(io::ErrorKind::InvalidData, error);
        let mut decoder = png::Decoder::new(io::Cursor::new(png));
        decoder.set_transformations(png::Transformations::normalize_to_color8());
        let mut reader = decoder.read_info().map_err(invalid)?;
        let mut buffer = vec![0; reader.output_buffer_size()];
        let frame = reader.next_frame(&mut buffer).map_err(invalid)?;
        let (width, height) = (frame.width as usize, frame.height as usize);
        let samples = frame.color_type.samples();
        let mut pixels = Vec::with_capacity(width * height);
        for row in buffer[..frame.buffer_size()].chunks(frame.line_size) {
            pixels.extend(row[..width * samples].chunks(samples).map(over_white));
        }
        Ok(Self {
            width,
            height,
            pixels,
        })
    }

    /// The frame's luma plane with the image centred on white.
    fn centred_luma(&self) -> Vec<u8> {
        let (up, down) = self.scale();
        let shown_width = self.width * up / down;
        let shown_height = self.height * up / down;
        let left = CAMERA_WIDTH.saturating_sub(shown_width) / 2;
        let top = CAMERA_HEIGHT.saturating_sub(shown_height) / 2;
        let mut plane = vec![luma(u8::MAX); CAMERA_WIDTH * CAMERA_HEIGHT];
        for y in 0..shown_height.min(CAMERA_HEIGHT) {
            for x in 0..shown_width.min(CAMERA_WIDTH) {
                let source = (y * down / up) * self.width + x * down / up;
                plane[(top + y) * CAMERA_WIDTH + left + x] = luma(self.pixels[source]);
            }
        }
        plane
    }

    /// (up, down): the image is shown `up / down` times its size, one of
    /// the two being 1.
    fn scale(&self) -> (usize, usize) {
        let fits = |size: usize, frame: usize| size as f64 <= frame as f64 * FILL;
        let fits_both =
            |width: usize, height: usize| fits(width, CAMERA_WIDTH) && fits(height, CAMERA_HEIGHT);
        if fits_both(self.width, self.height) {
            let up = (2..)
                .take_while(|&up| fits_both(self.width * up, self.height * up))
                .last()
                .unwrap_or(1);
            (up, 1)
        } else {
            let down = (2..)
                .find(|&down| fits_both(self.width / down, self.height / down))
                .unwrap_or(1);
            (1, down)
        }
    }
}

/// One pixel (grey, grey + alpha, RGB or RGBA, 8 bits each) as a grey
/// laid over white.
fn over_white(pixel: &[u8]) -> u8 {
    let (grey, alpha) = match *pixel {
        [grey] => (u32::from(grey), 255),
        [grey, alpha] => (u32::from(grey), u32::from(alpha)),
        [r, g, b] => (rec601(r, g, b), 255),
        [r, g, b, alpha] => (rec601(r, g, b), u32::from(alpha)),
        _ => (255, 255),
    };
    let composed = (grey * alpha + 255 * (255 - alpha) + 127) / 255;
    u8::try_from(composed).unwrap_or(u8::MAX)
}

fn rec601(r: u8, g: u8, b: u8) -> u32 {
    (299 * u32::from(r) + 587 * u32::from(g) + 114 * u32::from(b) + 500) / 1000
}

#[cfg(test)]
mod tests {
    use super::*;

    const FRAME_BYTES: usize = CAMERA_WIDTH * CAMERA_HEIGHT * 3 / 2;

    fn png_of(width: u32, height: u32, color: png::ColorType, pixels: &[u8]) -> Vec<u8> {
        let mut bytes = Vec::new();
        let mut encoder = png::Encoder::new(&mut bytes, width, height);
        encoder.set_color(color);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().expect("a header");
        writer.write_image_data(pixels).expect("the pixels");
        writer.finish().expect("a PNG");
        bytes
    }

    fn frames_of(file: &[u8]) -> Vec<&[u8]> {
        let body = &file[CAMERA_HEADER.len()..];
        assert_eq!(body.len(), CAMERA_FRAMES * (6 + FRAME_BYTES));
        body.chunks(6 + FRAME_BYTES)
            .map(|frame| {
                assert_eq!(&frame[..6], b"FRAME\n");
                &frame[6..]
            })
            .collect()
    }

    #[test]
    fn a_camera_file_is_a_header_line_then_identical_420_frames() {
        let dir = tempfile::tempdir().expect("a directory");
        let path = dir.path().join("camera.y4m");
        let png = png_of(2, 2, png::ColorType::Grayscale, &[0, 255, 255, 0]);

        camera_showing_png(&png, &path).expect("written");

        let file = std::fs::read(&path).expect("read");
        assert!(file.starts_with(b"YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\n"));
        let frames = frames_of(&file);
        assert!(frames.iter().all(|frame| *frame == frames[0]));
        let chroma = &frames[0][CAMERA_WIDTH * CAMERA_HEIGHT..];
        assert!(chroma.iter().all(|&value| value == 128));
    }

    #[test]
    fn a_small_image_is_blown_up_by_a_whole_factor_in_the_middle_of_white() {
        let dir = tempfile::tempdir().expect("a directory");
        let path = dir.path().join("camera.y4m");
        // Black top left, white elsewhere: 2×2 fits 90% of 480 at 216 times.
        let png = png_of(2, 2, png::ColorType::Grayscale, &[0, 255, 255, 255]);

        camera_showing_png(&png, &path).expect("written");

        let file = std::fs::read(&path).expect("read");
        let luma_plane = &frames_of(&file)[0][..CAMERA_WIDTH * CAMERA_HEIGHT];
        let black: Vec<(usize, usize)> = (0..CAMERA_WIDTH * CAMERA_HEIGHT)
            .filter(|&index| luma_plane[index] == 16)
            .map(|index| (index % CAMERA_WIDTH, index / CAMERA_WIDTH))
            .collect();
        assert_eq!(black.len(), 216 * 216);
        assert_eq!(black.first(), Some(&(320 - 216, 240 - 216)));
        assert_eq!(black.last(), Some(&(319, 239)));
        assert!(luma_plane.iter().all(|&value| value == 16 || value == 235));
    }

    #[test]
    fn the_servers_qr_code_is_shown_at_half_size_with_alpha_over_white() {
        // 520 pixels square like the server's PNG, transparent but for a
        // black square in the middle.
        let side = 520;
        let mut pixels = vec![0_u8; side * side * 4];
        for y in 250..270 {
            for x in 250..270 {
                pixels[(y * side + x) * 4 + 3] = 255;
            }
        }
        let png = png_of(520, 520, png::ColorType::Rgba, &pixels);
        let dir = tempfile::tempdir().expect("a directory");
        let path = dir.path().join("camera.y4m");

        camera_showing_png(&png, &path).expect("written");

        let file = std::fs::read(&path).expect("read");
        let luma_plane = &frames_of(&file)[0][..CAMERA_WIDTH * CAMERA_HEIGHT];
        let black = luma_plane.iter().filter(|&&value| value == 16).count();
        assert_eq!(black, 10 * 10);
        assert_eq!(luma_plane[240 * CAMERA_WIDTH + 320], 16);
        assert_eq!(luma_plane[230 * CAMERA_WIDTH + 320], 235);
    }

    #[test]
    fn a_blank_camera_sees_white() {
        let dir = tempfile::tempdir().expect("a directory");
        let path = dir.path().join("blank.y4m");

        blank_camera(&path).expect("written");

        let file = std::fs::read(&path).expect("read");
        let frames = frames_of(&file);
        assert!(
            frames[0][..CAMERA_WIDTH * CAMERA_HEIGHT]
                .iter()
                .all(|&value| value == 235)
        );
    }

    #[test]
    fn an_unreadable_png_is_invalid_data() {
        let dir = tempfile::tempdir().expect("a directory");

        let error =
            camera_showing_png(b"not a png", &dir.path().join("camera.y4m")).expect_err("refused");

        assert_eq!(error.kind(), io::ErrorKind::InvalidData);
    }
}
