/**
 * Where the CPU of an update goes: the stages of the profile table ({@link dev.flota.bench.profile.Stage}), the
 * mapping from sampled stack frames to them ({@link dev.flota.bench.profile.StageMap}) and the attribution of measured
 * thread CPU over JFR samples ({@link dev.flota.bench.profile.SampleProfile}). {@code bench profile} drives them.
 */
package dev.flota.bench.profile;
