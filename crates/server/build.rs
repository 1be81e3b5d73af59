//! PostgreSQL tests are built ignored unless `USHER_TEST_DATABASE_URL` is
//! set, so a run without a server shows them as skipped rather than passed.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(usher_postgres)");
    println!("cargo::rerun-if-env-changed=USHER_TEST_DATABASE_URL");
    if std::env::var_os("USHER_TEST_DATABASE_URL").is_some() {
        println!("cargo::rustc-cfg=usher_postgres");
    }
}
