//! Where chromium and chromedriver are. Shared, as plain std code, by the
//! browser harness and by tests/build.rs, which builds the browser tests
//! ignored when either is missing.

use std::path::PathBuf;

/// Debian's names (`apt-get install chromium chromium-driver`).
pub const CHROMIUM: &str = "chromium";
pub const CHROMEDRIVER: &str = "chromedriver";

/// Set to 1 when the tests are built, the browser tests run even without
/// chromium or chromedriver, and so fail: for CI, which installs them.
pub const REQUIRE_ENV: &str = "USHER_REQUIRE_BROWSER";

/// The first file called `name` in a directory of `PATH`.
pub fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|directory| directory.join(name))
        .find(|candidate| candidate.is_file())
}
