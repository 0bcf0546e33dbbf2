//! Sixteen bytes classified at once, for the line index (`index.rs`): SSE2 on
//! x86-64, where every CPU has it, and plain arrays elsewhere (which LLVM
//! vectorises where it can). Four operations are all the index needs, so a
//! few lines of `core::arch` instead of a SIMD crate in every build.

#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
mod sse2 {
    //! SAFETY (every `unsafe` below): these intrinsics need SSE2, which this
    //! module is compiled only with (`cfg(target_feature = "sse2")`, part of
    //! every x86-64 target's baseline); none of them touches memory but the
    //! load, whose argument is 16 readable bytes.
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128,
        _mm_set1_epi8, _mm_setzero_si128,
    };

    /// A byte vector; a mask is one with each byte 0x00 or 0xff.
    #[derive(Clone, Copy)]
    pub struct Lane(__m128i);

    impl Lane {
        #[inline(always)]
        pub fn zero() -> Self {
            Lane(unsafe { _mm_setzero_si128() })
        }

        #[inline(always)]
        pub fn load(b: &[u8; 16]) -> Self {
            // SAFETY: `b` is 16 readable bytes; no alignment is required.
            Lane(unsafe { _mm_loadu_si128(b.as_ptr().cast()) })
        }

        #[inline(always)]
        pub fn or(self, o: Self) -> Self {
            Lane(unsafe { _mm_or_si128(self.0, o.0) })
        }

        /// 0xff where the byte is `c`.
        #[inline(always)]
        pub fn eq(self, c: u8) -> Self {
            Lane(unsafe { _mm_cmpeq_epi8(self.0, _mm_set1_epi8(c as i8)) })
        }

        /// 0xff where the byte is at most `c` (unsigned).
        #[inline(always)]
        pub fn at_most(self, c: u8) -> Self {
            Lane(unsafe { _mm_cmpeq_epi8(_mm_min_epu8(self.0, _mm_set1_epi8(c as i8)), self.0) })
        }

        /// Bit `i` is the high bit of byte `i`.
        #[inline(always)]
        pub fn high_bits(self) -> u16 {
            (unsafe { _mm_movemask_epi8(self.0) }) as u16
        }
    }
}

#[cfg(any(test, not(all(target_arch = "x86_64", target_feature = "sse2"))))]
mod portable {
    /// A byte vector; a mask is one with each byte 0x00 or 0xff.
    #[derive(Clone, Copy)]
    pub struct Lane([u8; 16]);

    impl Lane {
        #[inline(always)]
        pub fn zero() -> Self {
            Lane([0; 16])
        }

        #[inline(always)]
        pub fn load(b: &[u8; 16]) -> Self {
            Lane(*b)
        }

        #[inline(always)]
        pub fn or(self, o: Self) -> Self {
            Lane(std::array::from_fn(|i| self.0[i] | o.0[i]))
        }

        #[inline(always)]
        pub fn eq(self, c: u8) -> Self {
            Lane(self.0.map(|b| if b == c { 0xff } else { 0 }))
        }

        #[inline(always)]
        pub fn at_most(self, c: u8) -> Self {
            Lane(self.0.map(|b| if b <= c { 0xff } else { 0 }))
        }

        #[inline(always)]
        pub fn high_bits(self) -> u16 {
            self.0
                .iter()
                .enumerate()
                .fold(0, |m, (i, b)| m | (u16::from(b >> 7) << i))
        }
    }
}

#[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
pub(super) use portable::Lane;
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
pub(super) use sse2::Lane;

#[cfg(test)]
mod tests {
    /// Both implementations against the scalar definitions, over every byte.
    macro_rules! check {
        ($lane:ty) => {{
            type L = $lane;
            let bytes: Vec<u8> = (0..=255u8)
                .chain([b'"', b'\\', 0x1f, 0x20, 0x7f, 0x80])
                .collect();
            for w in bytes.windows(16) {
                let b: &[u8; 16] = w.try_into().unwrap();
                let v = L::load(b);
                let expect = |f: &dyn Fn(u8) -> bool| {
                    b.iter()
                        .enumerate()
                        .fold(0u16, |m, (i, &x)| m | (u16::from(f(x)) << i))
                };
                assert_eq!(v.eq(b'"').high_bits(), expect(&|x| x == b'"'));
                assert_eq!(v.at_most(0x1f).high_bits(), expect(&|x| x <= 0x1f));
                assert_eq!(v.high_bits(), expect(&|x| x >= 0x80));
                assert_eq!(
                    v.eq(b'\\').or(v.at_most(0x1f)).high_bits(),
                    expect(&|x| x == b'\\' || x <= 0x1f)
                );
                assert_eq!(L::zero().or(v).high_bits(), v.high_bits());
            }
        }};
    }

    #[test]
    fn portable_matches_the_scalar_definitions() {
        check!(super::portable::Lane);
    }

    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    #[test]
    fn sse2_matches_the_scalar_definitions() {
        check!(super::sse2::Lane);
    }
}
