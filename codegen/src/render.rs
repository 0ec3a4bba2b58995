//! Rendering: tokens into formatted source text with the `@generated` header.
//!
//! A file's head is rendered on the calling thread. Its chunks are rendered on up to
//! [`MAX_THREADS`] threads (the calling one included), each building, parsing and
//! pretty-printing whole chunks, so that only text crosses between threads (token streams
//! cannot). The calling thread writes the texts out in order through a [`Spacer`] straight
//! into the file's contents, and drops each as soon as it is written; the threads render at
//! most a few chunks ahead of the writing, so finished texts do not pile up.

use crate::emit::{Chunk, EmittedFile};
use crate::error::Error;
use crate::{GeneratedFile, Sink};
use proc_macro2::TokenStream;
use std::any::Any;
use std::collections::BTreeMap;
use std::num::NonZeroUsize;
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::thread;

/// Threads rendering one file's chunks at most, the calling thread included.
const MAX_THREADS: usize = 4;

/// Chunks each thread may claim or finish ahead of the next one to be written out: enough
/// to keep every thread busy while one chunk takes longer, few enough to bound the texts
/// waiting.
const AHEAD_PER_THREAD: usize = 2;

/// Stack size of the rendering threads: the usual size of a main thread, so that whatever
/// nesting renders on the calling thread renders on the others too.
const STACK_SIZE: usize = 8 << 20;

/// Text held before it is handed to the sink: large files go out in pieces of about this
/// size instead of whole.
const FLUSH_BYTES: usize = 1 << 20;

/// Parses the tokens as a file, pretty-prints them, prepends the header line and hands the
/// text to `sink` in pieces, in order.
///
/// `prettyplease` lays out items independently, so rendering the head and each chunk on
/// its own gives the same text as rendering the file in one piece.
pub fn render(file: EmittedFile<'_>, header: &str, sink: &mut dyn Sink) -> Result<(), Error> {
    let EmittedFile { path, tokens, chunks } = file;
    let write_error = |e: std::io::Error| Error::Write { file: path.clone(), message: e.to_string() };
    sink.start(&path).map_err(write_error)?;
    let mut spacer = Spacer::new(format!("{header}\n\n"));
    spacer.push(&render_tokens(&path, move || tokens)?);
    let mut failed = None;
    render_chunks(&path, &chunks, |text| {
        spacer.push(&text);
        if failed.is_none() && spacer.out.len() >= FLUSH_BYTES {
            failed = sink.write(&spacer.out).err();
            spacer.out.clear();
        }
    })?;
    if let Some(e) = failed {
        return Err(write_error(e));
    }
    sink.write(&spacer.finish()).and_then(|()| sink.finish()).map_err(write_error)
}

/// Collects files whole: the [`Sink`] behind [`crate::generate`].
#[derive(Default)]
pub struct Collect {
    pub files: Vec<GeneratedFile>,
}

impl Sink for Collect {
    fn start(&mut self, path: &str) -> std::io::Result<()> {
        self.files.push(GeneratedFile { path: path.to_owned(), contents: String::new() });
        Ok(())
    }

    fn write(&mut self, text: &str) -> std::io::Result<()> {
        match self.files.last_mut() {
            Some(file) => {
                file.contents.push_str(text);
                Ok(())
            }
            None => Err(std::io::Error::other("text before the start of a file")),
        }
    }

    fn finish(&mut self) -> std::io::Result<()> {
        if let Some(file) = self.files.last_mut() {
            file.contents.shrink_to_fit();
        }
        Ok(())
    }
}

/// Builds the tokens, parses them as a file and pretty-prints it. A parse error or a panic
/// (of the emitter, `syn` or `prettyplease`: a generator bug either way) is an
/// [`Error::Render`].
fn render_tokens(path: &str, build: impl FnOnce() -> TokenStream) -> Result<String, Error> {
    // Unwind safety: on a panic the half-built tokens and tree are dropped, and nothing
    // they borrow is mutable.
    panic::catch_unwind(AssertUnwindSafe(|| {
        syn::parse2::<syn::File>(build()).map(|file| prettyplease::unparse(&file))
    }))
    .map_err(|payload| render_error(path, format!("the renderer panicked: {}", panic_message(&*payload))))?
    .map_err(|e| render_error(path, e.to_string()))
}

fn render_error(path: &str, message: impl Into<String>) -> Error {
    Error::Render { file: path.to_owned(), message: message.into() }
}

fn panic_message(payload: &(dyn Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("no message")
}

/// Renders the chunks, on several threads when there are several cores, and hands their
/// texts to `write` in order. Stops at the first chunk (in order) that fails.
fn render_chunks(path: &str, chunks: &[Chunk<'_>], mut write: impl FnMut(String)) -> Result<(), Error> {
    let threads =
        thread::available_parallelism().map_or(1, NonZeroUsize::get).min(MAX_THREADS).min(chunks.len());
    let queue = Queue {
        path,
        chunks,
        ahead: threads.max(1) * AHEAD_PER_THREAD,
        state: Mutex::new(State::default()),
        changed: Condvar::new(),
    };
    thread::scope(|scope| {
        // A thread that cannot be started is no error: the calling thread renders
        // whatever the others do not.
        let helpers: Vec<_> = (1..threads)
            .filter_map(|_| {
                thread::Builder::new()
                    .name("codegen-render".to_owned())
                    .stack_size(STACK_SIZE)
                    .spawn_scoped(scope, || queue.work())
                    .ok()
            })
            .collect();
        let written = queue.write_in_order(&mut write);
        // Join every helper, so that none is left for `scope` to re-raise its panic.
        let joined: Vec<_> = helpers.into_iter().map(|helper| helper.join()).collect();
        written?;
        if joined.iter().any(Result::is_err) {
            return Err(render_error(path, "a rendering thread panicked"));
        }
        Ok(())
    })
}

/// The chunks of one file being rendered, shared by the threads rendering them.
struct Queue<'q, 'a> {
    path: &'q str,
    chunks: &'q [Chunk<'a>],
    /// How far past the next chunk to write a chunk may be claimed.
    ahead: usize,
    state: Mutex<State>,
    /// Signalled when a chunk is finished, written out, or writing stops.
    changed: Condvar,
}

#[derive(Default)]
struct State {
    /// The first chunk no thread has claimed.
    next: usize,
    /// How many chunks have been written out.
    written: usize,
    /// Finished chunks not written out yet, by index.
    done: BTreeMap<usize, Result<String, Error>>,
    /// Writing has stopped (at an error): claim no more chunks.
    stopped: bool,
}

impl Queue<'_, '_> {
    /// A helper thread's loop: render chunks until none are left or writing stops.
    fn work(&self) {
        while let Some(index) = self.claim() {
            let result = self.render(index);
            self.finish(index, result);
        }
    }

    /// Claims the next chunk for a helper thread, waiting while it would be too far ahead
    /// of the writing; `None` once there is nothing left to claim.
    fn claim(&self) -> Option<usize> {
        let mut state = self.lock();
        loop {
            if state.stopped || state.next >= self.chunks.len() {
                return None;
            }
            if let Some(index) = self.try_claim(&mut state) {
                return Some(index);
            }
            state = self.wait(state);
        }
    }

    /// Claims the next chunk if there is one and it is not too far ahead of the writing.
    fn try_claim(&self, state: &mut State) -> Option<usize> {
        let index = state.next;
        let claimable = index < self.chunks.len() && index < state.written + self.ahead;
        claimable.then(|| {
            state.next += 1;
            index
        })
    }

    /// Renders one chunk. Never panics (see [`render_tokens`]), so every claimed chunk is
    /// finished and the writer never waits for a chunk that will not come.
    fn render(&self, index: usize) -> Result<String, Error> {
        match self.chunks.get(index) {
            Some(chunk) => render_tokens(self.path, chunk),
            None => Err(render_error(self.path, "chunk index out of range")),
        }
    }

    fn finish(&self, index: usize, result: Result<String, Error>) {
        self.lock().done.insert(index, result);
        self.changed.notify_all();
    }

    /// The calling thread's loop: writes the chunks out in order, rendering chunks itself
    /// while the next one to write is not finished.
    fn write_in_order(&self, write: &mut impl FnMut(String)) -> Result<(), Error> {
        // However this returns, the helpers claim no more chunks.
        let _stop = StopOnDrop(self);
        let mut state = self.lock();
        while state.written < self.chunks.len() {
            let next_to_write = state.written;
            if let Some(result) = state.done.remove(&next_to_write) {
                state.written += 1;
                drop(state);
                self.changed.notify_all();
                write(result?);
                state = self.lock();
            } else if let Some(index) = self.try_claim(&mut state) {
                drop(state);
                let result = self.render(index);
                state = self.lock();
                state.done.insert(index, result);
            } else {
                // Every chunk up to the window's end is claimed, the next to write by a
                // helper, which is rendering it.
                state = self.wait(state);
            }
        }
        Ok(())
    }

    /// Locks the state. The state is consistent between any two statements, so a lock
    /// poisoned by a panicking thread is still usable.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn wait<'g>(&self, state: MutexGuard<'g, State>) -> MutexGuard<'g, State> {
        self.changed.wait(state).unwrap_or_else(PoisonError::into_inner)
    }
}

/// Stops the helpers when the writer is done, by error or otherwise.
struct StopOnDrop<'r, 'q, 'a>(&'r Queue<'q, 'a>);

impl Drop for StopOnDrop<'_, '_, '_> {
    fn drop(&mut self) {
        self.0.lock().stopped = true;
        self.0.changed.notify_all();
    }
}

/// Puts a blank line between items (prettyplease packs them together), which makes the
/// files and their diffs easier to read: after every line that closes an item, at the
/// top level or one level in, and after the `use` block and the module docs.
///
/// The text comes in pieces split anywhere, and the output is the same as for the pieces
/// joined: lines are split as [`str::lines`] splits them, each followed by `\n`. Only the
/// last complete line (whose blank line depends on the next) and an incomplete one are
/// held back.
struct Spacer {
    /// The output so far.
    out: String,
    /// The last complete line, written once the next line is known.
    last: String,
    /// Whether `last` holds a line (it may be empty).
    has_last: bool,
    /// The text after the last newline so far: the start of the next line.
    partial: String,
}

impl Spacer {
    /// A spacer appending to `out`.
    fn new(out: String) -> Self {
        Spacer { out, last: String::new(), has_last: false, partial: String::new() }
    }

    /// Takes the next piece of text.
    fn push(&mut self, text: &str) {
        let mut rest = text;
        while let Some(end) = rest.find('\n') {
            let piece = &rest[..end];
            rest = &rest[end + 1..];
            if self.partial.is_empty() {
                self.line(piece.strip_suffix('\r').unwrap_or(piece));
            } else {
                let mut line = std::mem::take(&mut self.partial);
                line.push_str(piece);
                self.line(line.strip_suffix('\r').unwrap_or(&line));
                // Keep the buffer for the next incomplete line.
                line.clear();
                self.partial = line;
            }
        }
        self.partial.push_str(rest);
    }

    /// Takes the next complete line, and writes out the one before.
    fn line(&mut self, line: &str) {
        if self.has_last {
            self.out.push_str(&self.last);
            self.out.push('\n');
            if blank_after(&self.last, line) {
                self.out.push('\n');
            }
        }
        self.last.clear();
        self.last.push_str(line);
        self.has_last = true;
    }

    /// Writes out what is held back and returns the output.
    fn finish(mut self) -> String {
        // A last line without a newline; `str::lines` keeps a bare `\r` at its end.
        if !self.partial.is_empty() {
            let line = std::mem::take(&mut self.partial);
            self.line(&line);
        }
        if self.has_last {
            self.out.push_str(&self.last);
            self.out.push('\n');
        }
        self.out
    }
}

/// Whether a blank line goes between `line` and the `next` one.
fn blank_after(line: &str, next: &str) -> bool {
    if next.trim().is_empty() || next.trim_start().starts_with('}') {
        return false;
    }
    let closes_item = matches!(line, "}" | "};" | "    }" | "    };")
        || (line.starts_with("pub type ") && line.ends_with(';'))
        || (line.ends_with(';')
            && (line.starts_with("use ") || line.starts_with("pub mod ") || line.starts_with("mod "))
            && !next.starts_with("use ")
            && !next.starts_with("pub mod ")
            && !next.starts_with("mod ")
            && !next.starts_with("///"));
    let ends_docs = line.starts_with("//!") && !next.starts_with("//!");
    let ends_header = line.starts_with("#![") && !next.starts_with("#![");
    closes_item || ends_docs || ends_header
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use quote::quote;

    /// The whole-text spacing the [`Spacer`] replaced, kept as its oracle.
    fn space_items(text: &str) -> String {
        let lines: Vec<&str> = text.lines().collect();
        let mut out = String::with_capacity(text.len() + text.len() / 16);
        for (i, line) in lines.iter().enumerate() {
            out.push_str(line);
            out.push('\n');
            let Some(next) = lines.get(i + 1) else { continue };
            if blank_after(line, next) {
                out.push('\n');
            }
        }
        out
    }

    fn spaced(pieces: &[&str]) -> String {
        let mut spacer = Spacer::new(String::new());
        for piece in pieces {
            spacer.push(piece);
        }
        spacer.finish()
    }

    /// Text that exercises every rule, as prettyplease writes it, with a few oddities
    /// (`\r\n`, a bare `\r`, blank lines with spaces, no final newline).
    const SAMPLE: &str = "#![allow(clippy::large_enum_variant)]\n#![allow(dead_code)]\n\
        //! Module docs.\n//! More docs.\nuse crate::runtime;\nuse super::models::{A, B};\n\
        pub mod models;\nmod operations;\n/// Docs.\npub mod queries;\nfn f() {}\n\
        pub type Alias = Vec<A>;\npub struct A {\n    pub x: i32,\n}\nimpl A {\n    \
        pub fn new() -> Self {\n        Self { x: 1 }\n    }\n    pub fn y() {}\n}\n\
        impl Client {\n    pub async fn get(&self) -> Result<(), Error> {\n        \
        self.execute(get_request()).await\n    };\n    pub fn pages() {}\n}\r\n  \n\
        const C: u8 = 1;\r\n};\nuse x;\n/// after use\nfn g() {\r}\nstatic S: i32 = 0;\r";

    #[test]
    fn spacing_in_one_piece_matches_whole_text_spacing() {
        for text in [SAMPLE, "", "\n", "\n\n", "\r", "\r\n", "}\nfn", "}\n\r\nfn\n", "a\r\r\n"] {
            assert_eq!(spaced(&[text]), space_items(text), "{text:?}");
        }
    }

    #[test]
    fn spacing_split_anywhere_matches_whole_text_spacing() {
        let expected = space_items(SAMPLE);
        assert!(expected.contains("}\n\nimpl A"), "the sample exercises the rules");
        let cuts: Vec<usize> = SAMPLE.char_indices().map(|(i, _)| i).chain([SAMPLE.len()]).collect();
        for &cut in &cuts {
            let (a, b) = SAMPLE.split_at(cut);
            assert_eq!(spaced(&[a, b]), expected, "split at {cut}");
            assert_eq!(spaced(&[a, "", b, ""]), expected, "split at {cut}, with empty pieces");
        }
        // Every pair of cuts, on a stretch of lines where the rules meet.
        let short = &SAMPLE[..SAMPLE.find("pub struct").unwrap_or(SAMPLE.len())];
        let expected = space_items(short);
        for (i, _) in short.char_indices() {
            for (j, _) in short[i..].char_indices() {
                let (a, rest) = short.split_at(i);
                let (b, c) = rest.split_at(j);
                assert_eq!(spaced(&[a, b, c]), expected, "split at {i} and {}", i + j);
            }
        }
    }

    proptest! {
        #[test]
        fn spacing_any_pieces_matches_whole_text_spacing(
            parts in proptest::collection::vec(
                prop::sample::select(vec![
                    "}", "};", "    }", "    };", "use a;", "pub mod m;", "mod m;", "///", "//!",
                    "#![a]", "pub type T = u8;", "fn f() {}", " ", "x", "\n", "\n", "\n", "\r", "é",
                ]),
                0..40,
            ),
            cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..6),
        ) {
            let text: String = parts.concat();
            let boundaries: Vec<usize> = text.char_indices().map(|(i, _)| i).chain([text.len()]).collect();
            let mut cuts: Vec<usize> = cuts.iter().map(|c| boundaries[c.index(boundaries.len())]).collect();
            cuts.sort_unstable();
            let mut pieces = Vec::new();
            let mut start = 0;
            for cut in cuts {
                pieces.push(&text[start..cut]);
                start = cut;
            }
            pieces.push(&text[start..]);
            prop_assert_eq!(spaced(&pieces), space_items(&text));
        }
    }

    fn file(chunks: Vec<Chunk<'static>>) -> EmittedFile<'static> {
        EmittedFile { path: "test.rs".to_owned(), tokens: quote! { use a; }, chunks }
    }

    /// Chunks of numbered functions, more than the threads render ahead.
    fn numbered(count: usize) -> Vec<Chunk<'static>> {
        (0..count)
            .map(|i| {
                Box::new(move || {
                    let name = quote::format_ident!("S{i}");
                    quote!(struct #name { x: u8 })
                }) as Chunk<'static>
            })
            .collect()
    }

    /// Renders into a [`Collect`] and returns the one file.
    fn whole(file: EmittedFile<'_>, header: &str) -> Result<GeneratedFile, Error> {
        let mut collect = Collect::default();
        render(file, header, &mut collect)?;
        Ok(collect.files.pop().expect("one file"))
    }

    /// Records what it is given; fails every write after the first `fail_after` if set.
    #[derive(Default)]
    struct Pieces {
        events: Vec<String>,
        fail_after: Option<usize>,
    }

    impl Sink for Pieces {
        fn start(&mut self, path: &str) -> std::io::Result<()> {
            self.events.push(format!("start {path}"));
            Ok(())
        }
        fn write(&mut self, text: &str) -> std::io::Result<()> {
            if self.fail_after.is_some_and(|n| self.events.len() > n) {
                return Err(std::io::Error::other("disk full"));
            }
            self.events.push(text.to_owned());
            Ok(())
        }
        fn finish(&mut self) -> std::io::Result<()> {
            self.events.push("finish".to_owned());
            Ok(())
        }
    }

    /// Chunks of one struct each, with a 100 KB doc comment: 1.5 MB of text in all.
    fn large() -> Vec<Chunk<'static>> {
        (0..15)
            .map(|i| {
                Box::new(move || {
                    let name = quote::format_ident!("L{i}");
                    let doc = "x".repeat(100_000);
                    quote!(#[doc = #doc] struct #name;)
                }) as Chunk<'static>
            })
            .collect()
    }

    #[test]
    fn a_large_file_goes_to_the_sink_in_pieces() {
        let expected = whole(file(large()), "// h").expect("renders").contents;
        let mut pieces = Pieces::default();
        render(file(large()), "// h", &mut pieces).expect("renders");
        let events = &pieces.events;
        assert_eq!(events.first().map(String::as_str), Some("start test.rs"));
        assert_eq!(events.last().map(String::as_str), Some("finish"));
        let texts = &events[1..events.len() - 1];
        assert!(texts.len() >= 2, "{} pieces", texts.len());
        assert!(texts.iter().all(|t| t.len() < 2 * FLUSH_BYTES));
        assert_eq!(texts.concat(), expected);
    }

    #[test]
    fn a_failing_sink_is_a_write_error() {
        let mut pieces = Pieces { fail_after: Some(1), ..Pieces::default() };
        let Err(Error::Write { file: path, message }) = render(file(large()), "", &mut pieces) else {
            panic!("a write error");
        };
        assert_eq!((path.as_str(), message.as_str()), ("test.rs", "disk full"));
    }

    #[test]
    fn chunks_come_out_in_order() {
        let rendered = whole(file(numbered(50)), "// header").expect("renders");
        let structs: Vec<String> = (0..50).map(|i| format!("struct S{i} {{\n    x: u8,\n}}\n")).collect();
        let expected = format!("// header\n\nuse a;\n\n{}", structs.join("\n"));
        assert_eq!(rendered.contents, expected);
    }

    #[test]
    fn the_first_failing_chunk_is_the_error() {
        let mut chunks = numbered(30);
        chunks[7] = Box::new(|| quote!(fn));
        chunks[20] = Box::new(|| -> TokenStream { panic!("boom") });
        let Err(Error::Render { file, message }) = whole(file(chunks), "") else {
            panic!("a render error");
        };
        assert_eq!(file, "test.rs");
        assert!(!message.contains("panicked"), "{message}");
    }

    #[test]
    fn a_panicking_chunk_is_an_error() {
        let mut chunks = numbered(30);
        chunks[3] = Box::new(|| -> TokenStream { panic!("boom") });
        let Err(Error::Render { message, .. }) = whole(file(chunks), "") else {
            panic!("a render error");
        };
        assert_eq!(message, "the renderer panicked: boom");
    }
}
