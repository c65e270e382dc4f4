/**
 * How the benches read the machine: CPU clocks of the process, its threads, a child process and the JIT, the load
 * average and the CPU time the hypervisor stole ({@code CpuClock}), and the heap's peak ({@code HeapSampler}).
 */
package dev.flota.bench.measure;
