//! A fake camera for the end-to-end tests of the web pages.

mod camera;

pub use camera::{
    CAMERA_FRAMES, CAMERA_HEADER, CAMERA_HEIGHT, CAMERA_WIDTH, blank_camera, camera_showing_png,
};
