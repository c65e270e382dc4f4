package dev.flota.flash.otadata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flota.flash.partition.Partition;
import dev.flota.flash.partition.PartitionTable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** otadata codec, bootloader selection and writer rules on data the test builds itself. */
class OtaDataTest {

    private static final long U32 = 0xFFFFFFFFL;

    private static OtaSelectEntry entry(long seq, OtaImgState state) {
        return OtaSelectEntry.of(seq, state);
    }

    private static OtaData data(OtaSelectEntry e0, OtaSelectEntry e1) {
        return new OtaData(e0, e1);
    }

    private static PartitionTable table(boolean factory, int slots) {
        List<Partition> parts = new ArrayList<>();
        parts.add(Partition.of("otadata", 1, 0, 0xd000, 0x2000));
        if (factory) {
            parts.add(Partition.of("factory", 0, 0, 0x10000, 0x100000));
        }
        for (int i = 0; i < slots; i++) {
            parts.add(Partition.of("ota_" + i, 0, 0x10 + i, 0x110000 + i * 0x100000L, 0x100000));
        }
        return PartitionTable.of(parts);
    }

    @ParameterizedTest
    @CsvSource({"1, 4743989A", "2, 55F63774", "3, ED4A5011", "0, FFFFFFFF", "FFFFFFFE, 99F8B879",
        "4, 709D68A8", "6, DA94A023", "7, 6228C746"})
    void crcKnownValues(String seq, String crc) {
        assertThat(EspCrc32.otaSeqCrc(Long.parseLong(seq, 16))).isEqualTo(Long.parseLong(crc, 16));
    }

    @Test
    void romCrcIsNotZlibCrc() {
        java.util.zip.CRC32 zlib = new java.util.zip.CRC32();
        zlib.update(new byte[] {1, 0, 0, 0});
        assertThat(zlib.getValue()).isEqualTo(0x99F8B879L).isNotEqualTo(EspCrc32.otaSeqCrc(1));
        assertThat(EspCrc32.crc32Le(0, new byte[] {1, 0, 0, 0})).isEqualTo(zlib.getValue());
    }

    @Test
    void entryLayoutAndRoundTrip() {
        byte[] label = new byte[20];
        Arrays.fill(label, (byte) 7);
        OtaSelectEntry e = new OtaSelectEntry(0x01020304L, label, 2, 0xA0B0C0D0L);
        byte[] bytes = e.encode();
        assertThat(bytes).hasSize(32);
        assertThat(Arrays.copyOfRange(bytes, 0, 4)).containsExactly(4, 3, 2, 1);
        assertThat(Arrays.copyOfRange(bytes, 24, 32)).containsExactly(2, 0, 0, 0, 0xD0, 0xC0, 0xB0, 0xA0);
        assertThat(OtaSelectEntry.parse(bytes, 0)).isEqualTo(e);
        assertThat(e.crcValid()).isFalse();
        assertThat(e.stateName()).isEqualTo("VALID");
        assertThat(new OtaSelectEntry(1, label, 9, 0).stateName()).isEqualTo("0x00000009");
        assertThat(new OtaSelectEntry(1, label, 9, 0).knownState()).isEmpty();
        label[0] = 0;
        assertThat(e.seqLabel()[0]).isEqualTo((byte) 7);
    }

    @Test
    void otaDataLayout() {
        OtaData d = data(entry(5, OtaImgState.VALID), entry(6, OtaImgState.NEW));
        byte[] bytes = d.encode();
        assertThat(bytes).hasSize(8192);
        assertThat(Arrays.copyOfRange(bytes, 0, 32)).isEqualTo(d.entry0().encode());
        assertThat(Arrays.copyOfRange(bytes, 4096, 4128)).isEqualTo(d.entry1().encode());
        assertThat(Arrays.copyOfRange(bytes, 32, 4096)).containsOnly((byte) 0xFF);
        assertThat(Arrays.copyOfRange(bytes, 4128, 8192)).containsOnly((byte) 0xFF);
        assertThat(OtaData.parse(bytes)).isEqualTo(d);
        byte[] blank = OtaData.blank().encode();
        assertThat(blank).containsOnly((byte) 0xFF);
        assertThat(OtaData.parse(blank).entry0()).isEqualTo(OtaSelectEntry.ERASED);
    }

    @Test
    void theTwoEntriesAloneReadAsThePartition() {
        OtaData d = data(entry(5, OtaImgState.VALID), entry(6, OtaImgState.NEW));
        byte[] bytes = d.encode();
        assertThat(OtaData.parseEntries(Arrays.copyOfRange(bytes, 0, 32), Arrays.copyOfRange(bytes, 4096, 4128)))
                .isEqualTo(OtaData.parse(bytes)).isEqualTo(d);
        assertThatThrownBy(() -> OtaData.parseEntries(new byte[31], new byte[32]))
                .isInstanceOf(OtaDataException.class);
    }

    @Test
    void wrongLengthsGiveTheTypedError() {
        byte[] bytes = OtaData.blank().encode();
        for (int length = 0; length <= 8200; length++) {
            if (length == 8192) {
                continue;
            }
            int n = length;
            assertThatThrownBy(() -> OtaData.parse(Arrays.copyOf(bytes, n))).isInstanceOf(OtaDataException.class);
        }
        for (int length = 0; length < 32; length++) {
            int n = length;
            assertThatThrownBy(() -> OtaSelectEntry.parse(new byte[n], 0)).isInstanceOf(OtaDataException.class);
        }
        assertThatThrownBy(() -> OtaSelectEntry.parse(new byte[40], 9)).isInstanceOf(OtaDataException.class);
    }

    @Test
    void invalidAndValidRules() {
        assertThat(OtaSelectEntry.ERASED.isInvalid()).isTrue();
        assertThat(entry(3, OtaImgState.INVALID).isInvalid()).isTrue();
        assertThat(entry(3, OtaImgState.ABORTED).isInvalid()).isTrue();
        for (OtaImgState s : List.of(OtaImgState.NEW, OtaImgState.PENDING_VERIFY, OtaImgState.VALID,
                OtaImgState.UNDEFINED)) {
            assertThat(entry(3, s).isInvalid()).isFalse();
            assertThat(entry(3, s).isValid()).isTrue();
        }
        OtaSelectEntry badCrc = new OtaSelectEntry(3, entry(3, OtaImgState.VALID).seqLabel(), 2, 0);
        assertThat(badCrc.isInvalid()).isFalse();
        assertThat(badCrc.isValid()).isFalse();
    }

    @Test
    void bothInvalidBootsFactoryElseOta0() {
        OtaData d = data(entry(3, OtaImgState.ABORTED), OtaSelectEntry.ERASED);
        assertThat(d.select(2, true, false).slot()).isEqualTo(BootSelection.FACTORY);
        assertThat(d.select(2, true, false).source()).isEqualTo(BootSelection.Source.BOTH_INVALID);
        BootSelection noFactory = d.select(2, false, false);
        assertThat(noFactory.slot()).isZero();
        assertThat(noFactory.initialContents()).isFalse();
        assertThat(OtaData.blank().select(2, false, false).initialContents()).isTrue();
        assertThat(OtaData.blank().select(2, true, false).factory()).isTrue();
    }

    @Test
    void noOtaSlotsBootsFactory() {
        BootSelection s = data(entry(2, OtaImgState.VALID), OtaSelectEntry.ERASED).select(0, true, false);
        assertThat(s.factory()).isTrue();
        assertThat(s.source()).isEqualTo(BootSelection.Source.NO_OTA_SLOTS);
    }

    @Test
    void largerSequenceWinsTieGoesToEntryZero() {
        assertThat(data(entry(6, OtaImgState.VALID), entry(7, OtaImgState.VALID)).select(4, true, false))
                .extracting(BootSelection::slot, BootSelection::activeEntry).containsExactly(2, 1);
        assertThat(data(entry(9, OtaImgState.VALID), entry(7, OtaImgState.VALID)).select(4, true, false))
                .extracting(BootSelection::slot, BootSelection::activeEntry).containsExactly(0, 0);
        assertThat(data(entry(5, OtaImgState.VALID), entry(5, OtaImgState.UNDEFINED)).select(3, true, false)
                .activeEntry()).isZero();
        assertThat(data(OtaSelectEntry.ERASED, entry(4, OtaImgState.UNDEFINED)).select(2, true, false).slot())
                .isEqualTo(1);
    }

    @Test
    void neitherValidBootsFactoryElseFirstApp() {
        OtaSelectEntry badCrc = new OtaSelectEntry(3, OtaSelectEntry.ERASED.seqLabel(), U32, 1);
        OtaData d = data(badCrc, entry(2, OtaImgState.INVALID));
        BootSelection withFactory = d.select(2, true, false);
        assertThat(withFactory.factory()).isTrue();
        assertThat(withFactory.source()).isEqualTo(BootSelection.Source.NO_VALID_ENTRY);
        assertThat(withFactory.partition(table(true, 2))).map(Partition::label).contains("factory");
        BootSelection without = d.select(2, false, false);
        assertThat(without.factory()).isTrue();
        assertThat(without.partition(table(false, 2))).map(Partition::label).contains("ota_0");
    }

    @ParameterizedTest
    @CsvSource({"0, 2, 1", "0, 3, 0", "0, 4, 3", "1, 4, 0", "FFFFFFFE, 4, 1", "FFFFFFFE, 3, 1", "5, 1, 0"})
    void slotIsUnsignedSeqMinusOneModCount(String seq, int count, int slot) {
        OtaData d = data(entry(Long.parseLong(seq, 16), OtaImgState.UNDEFINED), OtaSelectEntry.ERASED);
        assertThat(d.select(count, false, false).slot()).isEqualTo(slot);
    }

    @Test
    void rollbackAbortsPendingVerifyFirst() {
        OtaData d = data(entry(3, OtaImgState.PENDING_VERIFY), entry(2, OtaImgState.VALID));
        BootSelection without = d.select(2, true, false);
        assertThat(without.slot()).isZero();
        assertThat(without.otadataRewritten()).isFalse();
        BootSelection with = d.select(2, true, true);
        assertThat(with.slot()).isEqualTo(1);
        assertThat(with.otadataRewritten()).isTrue();
        assertThat(with.otadata().entry0().knownState()).contains(OtaImgState.ABORTED);
        assertThat(with.otadata().entry0().crc()).isEqualTo(d.entry0().crc());
        OtaData bothPending = data(entry(3, OtaImgState.PENDING_VERIFY), entry(2, OtaImgState.PENDING_VERIFY));
        assertThat(bothPending.select(2, true, true).factory()).isTrue();
    }

    @Test
    void rollbackMarksSelectedNewEntryPendingVerify() {
        OtaData d = data(entry(3, OtaImgState.NEW), entry(2, OtaImgState.VALID));
        BootSelection with = d.select(2, true, true);
        assertThat(with.slot()).isZero();
        assertThat(with.otadata().entry0().knownState()).contains(OtaImgState.PENDING_VERIFY);
        assertThat(with.otadata().entry1()).isEqualTo(d.entry1());
        assertThat(d.select(2, true, false).otadata()).isEqualTo(d);
        OtaData notSelected = data(entry(1, OtaImgState.NEW), entry(2, OtaImgState.VALID));
        assertThat(notSelected.select(2, true, true).otadataRewritten()).isFalse();
    }

    @Test
    void tableOverloadUsesSlotCountFactoryAndOtadataPresence() {
        OtaData d = data(entry(3, OtaImgState.VALID), OtaSelectEntry.ERASED);
        assertThat(d.select(table(true, 2), false).partition(table(true, 2))).map(Partition::label)
                .contains("ota_0");
        assertThat(d.select(table(false, 4), false).partition(table(false, 4))).map(Partition::label)
                .contains("ota_2");
        PartitionTable noOtadata = PartitionTable.of(table(true, 2).partitions().subList(1, 4));
        BootSelection s = d.select(noOtadata, false);
        assertThat(s.source()).isEqualTo(BootSelection.Source.NO_OTADATA_PARTITION);
        assertThat(s.partition(noOtadata)).map(Partition::label).contains("factory");
    }

    @Test
    void missingSlotPartitionWalksBackThenForwardThenTest() {
        PartitionTable gaps = PartitionTable.of(List.of(Partition.of("otadata", 1, 0, 0xd000, 0x2000),
                Partition.of("ota_1", 0, 0x11, 0x10000, 0x10000), Partition.of("ota_5", 0, 0x15, 0x20000, 0x10000),
                Partition.of("test", 0, 0x20, 0x30000, 0x10000)));
        BootSelection slot0 = new BootSelection(0, BootSelection.Source.ACTIVE_ENTRY, 0, OtaData.blank(), false,
                false);
        assertThat(slot0.partition(gaps)).map(Partition::label).contains("ota_1");
        BootSelection slot1 = new BootSelection(1, BootSelection.Source.ACTIVE_ENTRY, 0, OtaData.blank(), false,
                false);
        assertThat(slot1.partition(gaps)).map(Partition::label).contains("ota_1");
        PartitionTable onlyTest = PartitionTable.of(List.of(Partition.of("test", 0, 0x20, 0x30000, 0x10000)));
        assertThat(OtaData.blank().select(onlyTest, false).partition(onlyTest)).map(Partition::label)
                .contains("test");
        assertThat(OtaData.blank().select(PartitionTable.of(List.of()), false).partition(PartitionTable.of(List.of())))
                .isEmpty();
    }

    @Test
    void writerStartsFromBlank() {
        OtaData d = OtaData.blank().withBootSlot(2, 4, false);
        assertThat(d.entry0().seq()).isEqualTo(3);
        assertThat(d.entry0().knownState()).contains(OtaImgState.UNDEFINED);
        assertThat(d.entry0().crcValid()).isTrue();
        assertThat(d.entry1()).isEqualTo(OtaSelectEntry.ERASED);
        assertThat(OtaData.blank().withBootSlot(0, 2, true).entry0().knownState()).contains(OtaImgState.NEW);
    }

    @ParameterizedTest
    @CsvSource({
        "5, 4, 2, 7", "5, 4, 0, 5", "5, 4, 3, 8", "5, 4, 1, 6", "1, 2, 1, 2", "2, 2, 0, 3", "3, 2, 1, 4",
        "8, 4, 3, 8", "1, 1, 0, 1", "4, 1, 0, 4", "FFFFFFFE, 4, 2, FFFFFFFF"})
    void writerSequenceRule(String activeSeq, int count, int slot, String expected) {
        OtaData d = data(entry(Long.parseLong(activeSeq, 16), OtaImgState.VALID), OtaSelectEntry.ERASED);
        OtaData written = d.withBootSlot(slot, count, true);
        assertThat(written.entry0()).isEqualTo(d.entry0());
        assertThat(written.entry1().seq()).isEqualTo(Long.parseLong(expected, 16));
        assertThat(written.entry1().knownState()).contains(OtaImgState.NEW);
        if (written.entry1().seq() != U32) {
            assertThat(written.select(count, false, false).slot()).isEqualTo(slot);
        }
    }

    @Test
    void writerRewritesTheInactiveEntryAndKeepsItsLabel() {
        byte[] label = new byte[20];
        Arrays.fill(label, (byte) 0x42);
        OtaSelectEntry old = new OtaSelectEntry(1, label, 2, EspCrc32.otaSeqCrc(1));
        OtaData d = data(entry(4, OtaImgState.VALID), old);
        OtaData written = d.withBootSlot(0, 2, false);
        assertThat(written.entry1().seq()).isEqualTo(5);
        assertThat(written.entry1().seqLabel()).isEqualTo(label);
        assertThat(written.activeEntry()).isEqualTo(1);
    }

    @Test
    void writerRefusesBadSlotsAndOverflow() {
        assertThatThrownBy(() -> OtaData.blank().withBootSlot(2, 2, false))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> OtaData.blank().withBootSlot(-1, 2, false))
                .isInstanceOf(IllegalArgumentException.class);
        OtaData high = data(entry(0xFFFFFFFEL, OtaImgState.VALID), OtaSelectEntry.ERASED);
        assertThatThrownBy(() -> high.withBootSlot(0, 3, false)).isInstanceOf(OtaDataException.class);
    }

    @Test
    void setBootOfTheActiveSlotRewritesTheActiveEntryInPlace() {
        OtaData d = data(entry(3, OtaImgState.VALID), entry(2, OtaImgState.VALID));
        OtaData after = d.afterSetBoot(0, 2, true);
        assertThat(after.entry0().seq()).isEqualTo(3);
        assertThat(after.entry0().knownState()).contains(OtaImgState.NEW);
        assertThat(after.entry1()).isEqualTo(d.entry1());
        assertThat(d.changedEntries(after)).containsExactly(0);
    }

    @Test
    void bootSlotIsTheActiveEntrysSlotOrNone() {
        assertThat(data(entry(3, OtaImgState.VALID), entry(2, OtaImgState.VALID)).bootSlot(2)).hasValue(0);
        assertThat(OtaData.blank().withBootSlot(1, 2, false).bootSlot(2)).hasValue(1);
        assertThat(OtaData.blank().bootSlot(2)).isEmpty();
    }

    @Test
    void setBootOfTheOtherSlotWritesTheInactiveEntry() {
        OtaData d = data(entry(3, OtaImgState.VALID), entry(2, OtaImgState.VALID));
        OtaData after = d.afterSetBoot(1, 2, false);
        assertThat(after).isEqualTo(d.withBootSlot(1, 2, false));
        assertThat(after.select(2, false, false).slot()).isEqualTo(1);
        assertThat(d.changedEntries(after)).containsExactly(1);
        assertThat(d.changedEntries(d)).isEmpty();
        assertThatThrownBy(() -> d.afterSetBoot(2, 2, false)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void markValidAndInvalidChangeTheActiveEntry() {
        OtaData booted = OtaData.blank().withBootSlot(0, 2, true).withBootSlot(1, 2, true)
                .select(2, false, true).otadata();
        assertThat(booted.entry1().knownState()).contains(OtaImgState.PENDING_VERIFY);
        OtaData valid = booted.markValid();
        assertThat(valid.entry1().knownState()).contains(OtaImgState.VALID);
        assertThat(valid.entry1().seq()).isEqualTo(2);
        assertThat(valid.markValid()).isSameAs(valid);
        OtaData invalid = booted.markInvalid();
        assertThat(invalid.entry1().knownState()).contains(OtaImgState.INVALID);
        assertThat(invalid.select(2, false, true).slot()).isZero();
        assertThatThrownBy(() -> OtaData.blank().markValid()).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void initialSequenceAfterBootingWithoutFactory() {
        OtaData d = OtaData.blank().withInitialSequence(0);
        assertThat(d.entry0()).isEqualTo(entry(1, OtaImgState.VALID));
        assertThat(d.select(2, false, false).slot()).isZero();
    }
}
