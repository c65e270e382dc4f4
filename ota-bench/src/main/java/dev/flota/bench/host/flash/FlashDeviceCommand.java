package dev.flota.bench.host.flash;

import dev.flota.flash.device.Device;
import dev.flota.flash.ota.OtaException;
import dev.flota.flash.ota.OtaOperations;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

/**
 * The shape of the {@code flash} commands that call the device's OTA API on a device that is running: attach to the
 * image, call, save what changed; an {@link OtaException} is the device refusing (exit 1 with the ESP name).
 */
abstract class FlashDeviceCommand implements Callable<Integer> {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    FlashImageFile file;

    @Override
    public final Integer call() {
        try (FlashFiles.Opened opened = file.open()) {
            Device device = Device.attach(opened.flash(), opened.properties());
            try {
                String done = apply(OtaOperations.on(device));
                opened.save(device.properties());
                spec.commandLine().getOut().println(done);
                return 0;
            } catch (OtaException e) {
                opened.save(device.properties());
                spec.commandLine().getErr().println("error: " + e.getMessage());
                return 1;
            }
        }
    }

    /** Calls the OTA API and returns the line to print. */
    abstract String apply(OtaOperations ota);
}
