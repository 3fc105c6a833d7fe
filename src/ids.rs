//! Ids of strings their owner keeps (a URL → its frontier entry, its page): the index holds a 64-bit hash of each
//! string, not a second copy (on a 10,000-page shop the copies were megabytes). The owner's string settles what a
//! hash alone cannot: two strings of one hash are told apart by it, the later found by a scan.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};

#[derive(Debug, Default)]
pub struct StrIds {
    hasher: RandomState,
    ids: HashMap<u64, u32>,
}

impl StrIds {
    /// Records that `key` is held at `id`.
    pub fn insert(&mut self, key: &str, id: u32) {
        // A second string of the same hash is found by `get`'s scan.
        self.ids.entry(self.hasher.hash_one(key)).or_insert(id);
    }

    /// The id holding `key`: `stored(id)` is the owner's string at `id`, for ids `0..count`.
    pub fn get<'a>(&self, key: &str, count: u32, stored: impl Fn(u32) -> &'a str) -> Option<u32> {
        let id = *self.ids.get(&self.hasher.hash_one(key))?;
        if stored(id) == key {
            return Some(id);
        }
        (0..count).find(|&other| stored(other) == key)
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_found_by_their_owner_and_unknown_ones_are_not() {
        let urls = ["https://shop.example/", "https://shop.example/contact"];
        let mut ids = StrIds::default();
        for (id, url) in urls.iter().enumerate() {
            ids.insert(url, id as u32);
        }
        let stored = |id: u32| urls[id as usize];
        assert_eq!(ids.get("https://shop.example/contact", 2, stored), Some(1));
        assert_eq!(ids.get("https://shop.example/", 2, stored), Some(0));
        assert_eq!(ids.get("https://shop.example/faq", 2, stored), None);
    }

    #[test]
    fn two_strings_of_one_hash_are_told_apart_by_the_owner() {
        // A forced collision: the second string is indexed under the first's hash.
        let urls = ["https://shop.example/a", "https://shop.example/b"];
        let mut ids = StrIds::default();
        ids.insert(urls[0], 0);
        let hash = ids.hasher.hash_one(urls[1]);
        ids.ids.insert(hash, 0);
        let stored = |id: u32| urls[id as usize];
        assert_eq!(ids.get(urls[1], 2, stored), Some(1), "found by the scan");
        assert_eq!(ids.get(urls[0], 2, stored), Some(0));
    }
}
