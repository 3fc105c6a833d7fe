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
