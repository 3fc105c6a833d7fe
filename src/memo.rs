//! Per-thread memos for pure functions whose inputs repeat from page to page (menu and footer links). Bounded: a
//! memo is emptied when full, so memory stays flat however large the shop.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::Hash;
use std::thread::LocalKey;

/// Entries a memo holds before it is emptied: a mega-menu has a few hundred links, a shop repeats them all.
pub const MEMO_ENTRIES: usize = 4096;

/// A memo to declare with `thread_local!`.
pub type Memo<K, V> = RefCell<HashMap<K, V>>;

/// A text known by what it is (a tag such as its region), its length and a 64-bit hash of it: a memo keyed so holds
/// no copy of the text (a footer repeated on 10,000 pages is a few kilobytes each time).
pub type TextKey<T> = (T, usize, u64);

pub fn text_key<T>(tag: T, text: &str) -> TextKey<T> {
    use std::hash::Hasher;
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    hasher.write(text.as_bytes());
    (tag, text.len(), hasher.finish())
}

/// `compute()`, or its remembered value for `key` on this thread.
pub fn memoized<K: Hash + Eq, V: Clone>(
    memo: &'static LocalKey<Memo<K, V>>,
    key: K,
    compute: impl FnOnce() -> V,
) -> V {
    if let Some(hit) = memo.with(|m| m.borrow().get(&key).cloned()) {
        return hit;
    }
    let value = compute();
    memo.with(|m| {
        let mut m = m.borrow_mut();
        if m.len() >= MEMO_ENTRIES {
            m.clear();
        }
        m.insert(key, value.clone());
    });
    value
}
