//! Two cfgs, fixed when the tests are built, so a run without PostgreSQL
//! or without a browser shows those tests as ignored rather than passed:
//!
//! - `usher_postgres`, when `USHER_TEST_DATABASE_URL` is set;
//! - `usher_browser`, when chromium and chromedriver are on `PATH`, or
//!   `USHER_REQUIRE_BROWSER=1` (then the browser tests run, and fail
//!   without them).

#[path = "src/browser/locate.rs"]
mod locate;

fn main() {
    println!("cargo::rustc-check-cfg=cfg(usher_postgres)");
    println!("cargo::rerun-if-env-changed=USHER_TEST_DATABASE_URL");
    if std::env::var_os("USHER_TEST_DATABASE_URL").is_some() {
        println!("cargo::rustc-cfg=usher_postgres");
    }

    println!("cargo::rustc-check-cfg=cfg(usher_browser)");
    println!("cargo::rerun-if-env-changed={}", locate::REQUIRE_ENV);
    let chromium = locate::on_path(locate::CHROMIUM);
    let chromedriver = locate::on_path(locate::CHROMEDRIVER);
    // Noticed when removed. An installation after the build is not (a
    // missing file watched would rerun this, and rebuild the tests, on
    // every build): the warning below says so.
    for found in [&chromium, &chromedriver].into_iter().flatten() {
        println!("cargo::rerun-if-changed={}", found.display());
    }
    let required = std::env::var(locate::REQUIRE_ENV).is_ok_and(|value| value == "1");
    if required || (chromium.is_some() && chromedriver.is_some()) {
        println!("cargo::rustc-cfg=usher_browser");
    } else {
        println!(
            "cargo::warning=chromium or chromedriver is not on PATH: the browser tests are built \
             ignored (apt-get install chromium chromium-driver, then touch tests/build.rs)"
        );
    }
}
