package dev.flota.bench.host.image;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flota.bench.CliFiles;
import dev.flota.bench.Json;
import dev.flota.bench.JsonOption;
import dev.flota.bench.KeyFiles;
import dev.flota.flash.image.Chip;
import dev.flota.flash.image.ImageVerification;
import dev.flota.flash.image.ImageVerifier;
import dev.flota.flash.image.VerifyOptions;
import dev.flota.flash.secureboot.SecureBootKey;
import dev.flota.flash.secureboot.SignaturePolicy;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code image verify}: would the device accept this signed image? */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Verify an image and its Secure Boot V2 signature as the device does.",
                "Default: signed OTA without hardware secure boot (CONFIG_SECURE_SIGNED_ON_UPDATE_NO_SECURE_BOOT): "
                        + "each --key is tried as the running app's key, and only signature block 0 counts.",
                "--secure-boot: hardware Secure Boot V2 with all --key digests in eFuse; up to 3 blocks "
                        + "(1 on ESP32).",
                "A block whose stored image digest is stale is rejected (as espsecure does) unless "
                        + "--ignore-stored-digest (as ESP-IDF's app-side OTA check does).",
                "Exit 0 when the device would accept the image with one of the keys, 1 when not, 2 on usage errors."})
final class ImageVerifyCommand implements Callable<Integer> {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--key", required = true, paramLabel = "PUBLIC.pem", description = "trusted public key (repeatable)")
    List<Path> keys;

    @Option(names = "--secure-boot", description = "hardware Secure Boot V2 rules instead of signed OTA without it")
    boolean secureBoot;

    @Option(names = "--ignore-stored-digest", description = "do not compare the block's stored image digest")
    boolean ignoreStoredDigest;

    @Mixin
    JsonOption json;

    @Parameters(paramLabel = "FILE", description = "the signed image")
    Path file;

    @Override
    public Integer call() {
        List<SecureBootKey> trusted = keys.stream().map(KeyFiles::verificationKey).toList();
        byte[] image = CliFiles.read(file);
        Chip chip = ImageVerifier.verify(image).header().flatMap(h -> h.chip()).orElse(null);
        List<SignaturePolicy> policies = new ArrayList<>();
        if (secureBoot) {
            for (var scheme : trusted.stream().map(SecureBootKey::scheme).distinct().toList()) {
                SignaturePolicy policy = SignaturePolicy.secureBootV2(
                        trusted.stream().filter(k -> k.scheme() == scheme).toList());
                policies.add(adjust(chip == Chip.ESP32 ? policy.withMaxBlocks(1) : policy));
            }
        } else {
            trusted.forEach(k -> policies.add(adjust(SignaturePolicy.signedOnUpdate(k))));
        }
        List<ImageVerification> results = policies.stream()
                .map(p -> ImageVerifier.verify(image, VerifyOptions.defaults().signaturePolicy(p))).toList();
        boolean accepted = results.stream().anyMatch(ImageVerification::valid);
        PrintWriter out = spec.commandLine().getOut();
        if (json.enabled()) {
            Json.print(out, toJson(accepted, trusted, results));
        } else {
            printText(out, accepted, policies, results);
        }
        return accepted ? 0 : 1;
    }

    private SignaturePolicy adjust(SignaturePolicy policy) {
        return ignoreStoredDigest ? policy.ignoringStoredImageDigest() : policy;
    }

    private ObjectNode toJson(boolean accepted, List<SecureBootKey> trusted, List<ImageVerification> results) {
        ObjectNode root = Json.object();
        root.put("valid", accepted);
        root.put("mode", secureBoot ? "secure-boot-v2" : "signed-ota-no-secure-boot");
        ArrayNode keyArray = root.putArray("keys");
        for (int i = 0; i < trusted.size(); i++) {
            keyArray.addObject().put("file", keys.get(i).toString()).put("scheme", trusted.get(i).scheme().name())
                    .put("digest", trusted.get(i).digestHex());
        }
        ArrayNode checks = root.putArray("checks");
        for (ImageVerification r : results) {
            ObjectNode check = checks.addObject();
            check.put("valid", r.valid());
            ArrayNode errors = check.putArray("errors");
            r.findings().forEach(f -> errors.add(f.toString()));
            r.signature().ifPresent(v -> check.put("acceptedBlock", v.acceptedBlock()));
        }
        return root;
    }

    private static void printText(PrintWriter out, boolean accepted, List<SignaturePolicy> policies,
            List<ImageVerification> results) {
        for (int i = 0; i < results.size(); i++) {
            ImageVerification r = results.get(i);
            SignaturePolicy p = policies.get(i);
            out.printf("%s, %d trusted key(s), %d block(s) examined: %s%n", p.mode(), p.trustedDigests().size(),
                    p.maxBlocks(), r.valid() ? "ACCEPTED (block " + r.signature().orElseThrow().acceptedBlock() + ")"
                            : "rejected");
            r.findings().forEach(f -> out.println("  " + f));
        }
        out.println(accepted ? "Signature verified" : "Signature NOT accepted");
    }
}
