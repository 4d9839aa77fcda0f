// Placeholder: the benchmark suite is being written (see Benchmarks/README.md).
print("csledger-bench: not yet written")
