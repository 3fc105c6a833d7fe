//! A database of its own on the test PostgreSQL server, for one test: made with a random name, dropped after, so
//! that tests run in parallel. The server is `CXAUDIT_TEST_POSTGRES` (tests/run-all.sh starts a private cluster
//! and sets it); without it the test skips, unless `CXAUDIT_REQUIRE_POSTGRES=1` makes that a failure.

use postgres::{Client, NoTls};

pub struct TestDatabase {
    /// `postgres://…/<the new database>`.
    pub url: String,
    admin: String,
    name: String,
}

/// A fresh, empty database; none (the test skips) without a server. Its own thread: the sync client may not
/// run inside a test's async runtime.
pub fn database() -> Option<TestDatabase> {
    std::thread::spawn(make).join().unwrap()
}

fn make() -> Option<TestDatabase> {
    let admin = match std::env::var("CXAUDIT_TEST_POSTGRES") {
        Ok(url) if !url.is_empty() => url,
        _ => {
            if std::env::var("CXAUDIT_REQUIRE_POSTGRES").as_deref() == Ok("1") {
                panic!("CXAUDIT_TEST_POSTGRES is required (CXAUDIT_REQUIRE_POSTGRES=1): tests/run-all.sh sets it");
            }
            eprintln!(
                "skipped: no PostgreSQL to test on (set CXAUDIT_TEST_POSTGRES=postgres://…, as tests/run-all.sh does)"
            );
            return None;
        }
    };
    let mut random = [0u8; 8];
    getrandom::getrandom(&mut random).unwrap();
    let name = format!(
        "cxaudit_test_{}",
        random
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    let mut client = Client::connect(&admin, NoTls).expect("the test server");
    // A collation that does not sort as bytes do (ICU's English puts "aa" before "a-b"): the store must still
    // answer as SQLite does. Plain, where the server has no ICU.
    let icu = format!(
        "CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' LOCALE_PROVIDER icu ICU_LOCALE 'en-US'"
    );
    if client.batch_execute(&icu).is_err() {
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
    }
    let mut url = url::Url::parse(&admin).unwrap();
    url.set_path(&format!("/{name}"));
    Some(TestDatabase {
        url: url.to_string(),
        admin,
        name,
    })
}

impl TestDatabase {
    /// A client of its own on the test database, to look at or arrange what the store cannot.
    pub fn client(&self) -> Client {
        Client::connect(&self.url, NoTls).unwrap()
    }

    pub fn location(&self) -> cxaudit::store::Location {
        cxaudit::store::Location::Postgres(self.url.clone())
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let (admin, name) = (self.admin.clone(), self.name.clone());
        let _ = std::thread::spawn(move || {
            if let Ok(mut client) = Client::connect(&admin, NoTls) {
                let _ =
                    client.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        })
        .join();
    }
}
