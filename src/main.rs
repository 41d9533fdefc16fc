// mimalloc: each thread allocates from a heap of its own, without a lock, and memory one
// thread frees is reused. glibc's malloc either gave the parsing threads arenas of their
// own (the parsed statements, freed on the main thread, were never reused: +300 MB peak at
// 75,000 users) or, with one arena, made every allocation take its lock (a quarter of the
// open's time). benches/RESULTS.md, session 9. Blocks of 2 MiB or more are mapped
// directly, so that a growing vector is moved, not copied (src/allocator.rs).
#[global_allocator]
static GLOBAL: grantlog::allocator::Allocator = grantlog::allocator::Allocator;

fn main() -> std::process::ExitCode {
    grantlog::cli::main()
}
