//! `Inflate`: a gzip body inflated as it arrives, a little at a time.

use std::io::Write;

use crate::driver::{TransportError, TransportErrorKind};

/// Compressed bytes fed to the decoder per step: deflate inflates at most
/// about 1 032 to 1, so one step makes at most about four megabytes.
const STEP: usize = 4096;

/// A streaming gzip decoder that inflates on demand: compressed chunks are
/// held as they come, and each [`step`](Inflate::step) inflates a bounded
/// slice of them, so a compressed bomb never inflates more than one step
/// ahead of what the listing consumes.
pub(crate) struct Inflate {
    decoder: flate2::write::GzDecoder<Vec<u8>>,
    pending: Vec<u8>,
    read: usize,
    finished: bool,
}

impl std::fmt::Debug for Inflate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inflate")
            .field("pending", &(self.pending.len() - self.read))
            .finish_non_exhaustive()
    }
}

fn broken(error: std::io::Error) -> TransportError {
    TransportError::new(
        TransportErrorKind::Io,
        format!("a gzip body that does not inflate: {error}"),
    )
    .with_source(error)
}

impl Inflate {
    pub(crate) fn new() -> Self {
        Inflate {
            decoder: flate2::write::GzDecoder::new(Vec::new()),
            pending: Vec::new(),
            read: 0,
            finished: false,
        }
    }

    /// Holds the next compressed chunk.
    pub(crate) fn push(&mut self, chunk: &[u8]) {
        if self.read == self.pending.len() {
            self.pending.clear();
            self.read = 0;
        }
        self.pending.extend_from_slice(chunk);
    }

    /// Inflates the next slice of what is held into `out` (cleared first):
    /// `false` when nothing is held.
    pub(crate) fn step(&mut self, out: &mut Vec<u8>) -> Result<bool, TransportError> {
        out.clear();
        if self.read == self.pending.len() {
            return Ok(false);
        }
        let end = self.pending.len().min(self.read + STEP);
        let mut input = &self.pending[self.read..end];
        while !input.is_empty() {
            let n = self.decoder.write(input).map_err(broken)?;
            if n == 0 {
                return Err(TransportError::new(
                    TransportErrorKind::Io,
                    "data after the end of the gzip stream",
                ));
            }
            input = &input[n..];
        }
        self.read = end;
        std::mem::swap(self.decoder.get_mut(), out);
        Ok(true)
    }

    /// The body ended: the rest of the stream (its checksum checked) into `out`.
    pub(crate) fn finish(&mut self, out: &mut Vec<u8>) -> Result<(), TransportError> {
        out.clear();
        if !self.finished {
            self.decoder.try_finish().map_err(broken)?;
            self.finished = true;
        }
        std::mem::swap(self.decoder.get_mut(), out);
        Ok(())
    }
}
