/** {@code demo}: the whole story in one command, from key generation to a fleet running the new firmware. */
package dev.flota.bench.demo;
