/**
 * The references each bench figure is measured against in the same run: curl and the JDK's {@code HttpClient} for one
 * update ({@code References}), and a raw Reactor Netty download fleet that discards the bytes ({@code RawFleet}).
 */
package dev.flota.bench.reference;
