package dev.flota.bench.profile;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The frames-to-stage mapping the profile table rests on, on stacks shaped like the engine's. */
class StageMapTest {

    private static final List<String> EVENT_LOOP = List.of("io.netty.channel.epoll.EpollEventLoop.run",
            "io.netty.channel.epoll.AbstractEpollStreamChannel$EpollStreamUnsafe.epollInReady",
            "io.netty.channel.DefaultChannelPipeline.fireChannelRead");

    /** {@code inner} frames (innermost first) on top of the event loop's read through TLS and the HTTP codec. */
    private static List<String> inEventLoop(String... inner) {
        List<String> frames = new java.util.ArrayList<>(List.of(inner));
        frames.addAll(List.of("reactor.netty.channel.FluxReceive.onInboundNext",
                "io.netty.handler.codec.http.HttpObjectDecoder.decode", "io.netty.handler.ssl.SslHandler.unwrap",
                "io.netty.handler.ssl.SslHandler.decode"));
        frames.addAll(EVENT_LOOP);
        return frames;
    }

    @Test
    void aesIsTlsUnderTheTlsEngineAndDecryptionUnderTheImageDecryptor() {
        assertThat(StageMap.classify(List.of("com.sun.crypto.provider.GHASH.processBlocks",
                "com.sun.crypto.provider.GaloisCounterMode.decrypt",
                "sun.security.ssl.SSLCipher$T13GcmReadCipher.decrypt",
                "sun.security.ssl.SSLEngineImpl.unwrap", "io.netty.handler.ssl.SslHandler.unwrap")))
                .isEqualTo(Stage.TLS);
        assertThat(StageMap.classify(inEventLoop("com.sun.crypto.provider.GHASH.processBlocks",
                "javax.crypto.Cipher.update", "dev.flota.ota.encrypted.GcmStreamDecryptor.update",
                "reactor.core.publisher.FluxHandle$HandleSubscriber.onNext")))
                .isEqualTo(Stage.DECRYPT);
    }

    @Test
    void theInnermostStageWinsOverTheStagesThatCallIt() {
        assertThat(StageMap.classify(inEventLoop("dev.flota.flash.nor.CompactStorage.program",
                "dev.flota.flash.nor.NorFlash.program", "dev.flota.flash.ota.OtaHandle.write",
                "dev.flota.ota.pipeline.FlashSink.write", "dev.flota.ota.encrypted.EncryptedImages.lambda$decrypt$1",
                "dev.flota.ota.pipeline.ImageInspection.lambda$inspect$0")))
                .isEqualTo(Stage.FLASH_WRITE);
        assertThat(StageMap.classify(inEventLoop("jdk.internal.misc.Unsafe.copyMemory",
                "io.netty.buffer.AbstractByteBuf.getBytes", "dev.flota.ota.http.ImageFetcher.copy")))
                .isEqualTo(Stage.COPIES);
        assertThat(StageMap.classify(inEventLoop("reactor.core.publisher.FluxPublishOn$PublishOnSubscriber.onNext")))
                .isEqualTo(Stage.REACTOR);
        assertThat(StageMap.classify(inEventLoop("io.netty.handler.codec.http.HttpObjectDecoder.splitHeader")))
                .isEqualTo(Stage.HTTP_SOCKET);
        assertThat(StageMap.classify(inEventLoop("java.util.ArrayList.add", "dev.flota.ota.OtaMetrics.onBytes")))
                .isEqualTo(Stage.BOOKKEEPING);
    }

    @Test
    void theDeviceImageCheckIsReadBackWhateverItCalls() {
        assertThat(StageMap.classify(List.of("dev.flota.flash.nor.CompactStorage.read",
                "dev.flota.flash.nor.NorFlash.read",
                "sun.security.provider.SHA2.implCompress", "dev.flota.flash.image.ImageVerifier.verify",
                "dev.flota.flash.ota.ReadBackVerifier.readUpTo", "dev.flota.flash.ota.OtaHandle.verifyWritten",
                "dev.flota.ota.sim.SimulatedSession.verifyWritten", "dev.flota.ota.pipeline.FlashSink.lambda$0")))
                .isEqualTo(Stage.READ_BACK);
        assertThat(StageMap.classify(List.of("dev.flota.flash.image.ImageVerifier.verify",
                "dev.flota.flash.ota.OtaHandle.end"))).isEqualTo(Stage.READ_BACK);
        assertThat(StageMap.classify(List.of("dev.flota.flash.image.ImageHeader.parse",
                "dev.flota.ota.pipeline.ImageInspection.check"))).isEqualTo(Stage.INSPECTION);
    }

    @Test
    void unmarkedStacksAreOtherAndWaitingNativeMethodsAreIdle() {
        assertThat(StageMap.classify(List.of("java.util.HashMap.get", "java.lang.Thread.run"))).isEqualTo(Stage.OTHER);
        assertThat(StageMap.idle("io.netty.channel.epoll.Native.epollWait")).isTrue();
        assertThat(StageMap.idle("jdk.internal.misc.Unsafe.park")).isTrue();
        assertThat(StageMap.idle("io.netty.internal.tcnative.SSL.readFromSSL")).isFalse();
        assertThat(StageMap.classify(List.of("io.netty.internal.tcnative.SSL.readFromSSL",
                "io.netty.handler.ssl.ReferenceCountedOpenSslEngine.readPlaintextData"))).isEqualTo(Stage.TLS);
    }
}
