//! Per-thread memos for pure functions whose inputs repeat from page to page (menu and footer links, the header's
//! and the footer's text). Bounded: a memo keeps two generations of entries, the older let go when the newer is
//! full, and a 128-bit fingerprint of each key rather than the key, so memory stays flat however large the shop (a
//! key can be a whole mega-menu's text: kept as such, 4,096 of them per thread grew a 10,000-page audit by 100 MB).
//! What every page repeats is found again in the older generation and moved to the newer, so it outlives the keys
//! seen once (a product page's own links).

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, RandomState};
use std::marker::PhantomData;
use std::thread::LocalKey;

/// Entries a memo holds at most, both generations together: a mega-menu has a few hundred links.
pub const MEMO_ENTRIES: usize = 1024;

/// A memo to declare with `thread_local!`; `K` names what its keys are (a key is given by reference, in any form
/// that hashes as `K` does: `&str` for `String`, `(&str, &str)` for `(String, String)`).
pub type Memo<K, V> = RefCell<Table<K, V>>;

/// Values by the fingerprint of their key: two SipHashes with independent random keys, one to find the entry and
/// one to confirm it (two different keys agree on both with a chance of 2⁻¹²⁸).
pub struct Table<K, V> {
    hashers: [RandomState; 2],
    newer: HashMap<u64, (u64, V)>,
    older: HashMap<u64, (u64, V)>,
    key: PhantomData<fn(K)>,
}

impl<K, V> Default for Table<K, V> {
    fn default() -> Self {
        Table {
            hashers: [RandomState::new(), RandomState::new()],
            newer: HashMap::new(),
            older: HashMap::new(),
            key: PhantomData,
        }
    }
}

impl<K, V: Clone> Table<K, V> {
    fn fingerprint<Q: Hash + ?Sized>(&self, key: &Q) -> (u64, u64) {
        (self.hashers[0].hash_one(key), self.hashers[1].hash_one(key))
    }

    fn get(&mut self, (find, confirm): (u64, u64)) -> Option<V> {
        if let Some((check, value)) = self.newer.get(&find) {
            return (*check == confirm).then(|| value.clone());
        }
        let (check, value) = self.older.remove(&find)?;
        if check != confirm {
            return None;
        }
        self.insert((find, confirm), value.clone());
        Some(value)
    }

    fn insert(&mut self, (find, confirm): (u64, u64), value: V) {
        if self.newer.len() >= MEMO_ENTRIES / 2 {
            self.older = std::mem::take(&mut self.newer);
        }
        self.newer.insert(find, (confirm, value));
    }

    pub fn len(&self) -> usize {
        self.newer.len() + self.older.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// `compute()`, or its remembered value for `key` on this thread. The key is only hashed: a region's text is
/// given as `&str`, never copied.
pub fn memoized<K, Q: Hash + ?Sized, V: Clone>(
    memo: &'static LocalKey<Memo<K, V>>,
    key: &Q,
    compute: impl FnOnce() -> V,
) -> V {
    let fingerprint = memo.with(|m| m.borrow().fingerprint(key));
    if let Some(hit) = memo.with(|m| m.borrow_mut().get(fingerprint)) {
        return hit;
    }
    let value = compute();
    memo.with(|m| m.borrow_mut().insert(fingerprint, value.clone()));
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    thread_local! {
        static TEXTS: Memo<String, usize> = Default::default();
    }

    #[test]
    fn a_remembered_value_is_given_again_and_another_key_computes() {
        let calls = std::cell::Cell::new(0);
        let length = |text: &str| {
            memoized(&TEXTS, text, || {
                calls.set(calls.get() + 1);
                text.len()
            })
        };
        assert_eq!(length("menu"), 4);
        assert_eq!(length("menu"), 4);
        assert_eq!(calls.get(), 1, "the second is remembered");
        assert_eq!(length("footer"), 6);
        assert_eq!(calls.get(), 2, "another key computes");
    }

    #[test]
    fn what_every_page_repeats_outlives_the_keys_seen_once() {
        let calls = std::cell::Cell::new(0);
        for page in 0..10 * MEMO_ENTRIES {
            memoized(&TEXTS, "footer", || {
                calls.set(calls.get() + 1);
                6
            });
            memoized(&TEXTS, &format!("product {page}"), || page);
        }
        assert_eq!(calls.get(), 1, "the footer is read once");
        let len = TEXTS.with(|m| m.borrow().len());
        assert!(len <= MEMO_ENTRIES, "{len}");
    }

    #[test]
    fn a_full_memo_stays_bounded() {
        for i in 0..MEMO_ENTRIES + 10 {
            memoized(&TEXTS, &format!("text {i}"), || i);
        }
        let len = TEXTS.with(|m| m.borrow().len());
        assert!(len <= MEMO_ENTRIES, "{len}");
        // What was kept is still right.
        let i = MEMO_ENTRIES + 5;
        assert_eq!(memoized(&TEXTS, &format!("text {i}"), || usize::MAX), i);
    }
}
