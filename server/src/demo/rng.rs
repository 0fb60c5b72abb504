//! The demo's deterministic randomness.

/// A small deterministic generator (splitmix64) for the demo's ids, bids and pacing.
pub(super) struct DemoRng(u64);

impl DemoRng {
    pub(super) fn for_name(name: &str) -> DemoRng {
        DemoRng(name.bytes().fold(0xCBF2_9CE4_8422_2325, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3)
        }))
    }

    pub(super) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `lo..=hi`.
    pub(super) fn range(&mut self, lo: i64, hi: i64) -> i64 {
        let span = u64::try_from(hi - lo + 1).unwrap_or(1).max(1);
        lo + i64::try_from(self.next() % span).unwrap_or(0)
    }

    /// A 15-digit id, as text for the id types' `parse`.
    pub(super) fn id(&mut self) -> String {
        self.range(100_000_000_000_000, 999_999_999_999_999)
            .to_string()
    }
}
