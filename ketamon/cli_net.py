"""The clinic-network flags of `ketamon` and `ketamon review` (MQTT, HL7, FHIR), for cli.py."""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

log = logging.getLogger("ketamon")


def add_net_arguments(parser: argparse.ArgumentParser) -> None:
    """--mqtt/--bed/--site/--mqtt-config/--hl7-mllp (GUI and headless)."""
    group = parser.add_argument_group("clinic network (see README: central station, HL7)")
    group.add_argument(
        "--mqtt", metavar="URL", help="publish to this MQTT broker (mqtt://host:1883, mqtts://...)"
    )
    group.add_argument("--bed", metavar="NAME", help="this bed's name on the broker and in HL7")
    group.add_argument(
        "--site", metavar="NAME", default="clinic", help="site name (default clinic)"
    )
    group.add_argument(
        "--mqtt-config",
        metavar="FILE",
        help="TOML with the broker username/password/CA and what may leave the laptop",
    )
    group.add_argument(
        "--hl7-mllp", metavar="HOST:PORT", help="send HL7 v2 ORU^R01 to this MLLP listener"
    )


def net_plan(parser: argparse.ArgumentParser, args: argparse.Namespace):
    """The network targets from the flags; a bad flag is a usage error, a bad file a ConfigError."""
    from ketamon.io.net.bedside_links import NetPlan
    from ketamon.io.net.mqtt_messages import check_name
    from ketamon.io.net.net_config import load_net_config, parse_host_port, parse_mqtt_url

    if not (args.mqtt or args.hl7_mllp):
        if args.bed or args.mqtt_config:
            parser.error("--bed/--mqtt-config need --mqtt or --hl7-mllp")
        return NetPlan()
    if not args.bed:
        parser.error("--mqtt and --hl7-mllp need --bed NAME (how the clinic knows this chair)")
    try:
        bed, site = check_name("bed", args.bed), check_name("site", args.site)
        mqtt = parse_mqtt_url(args.mqtt, site, bed) if args.mqtt else None
        hl7 = parse_host_port(args.hl7_mllp) if args.hl7_mllp else None
    except ValueError as exc:
        parser.error(str(exc))
    config = load_net_config(Path(args.mqtt_config) if args.mqtt_config else None)
    return NetPlan(mqtt, hl7, config, bed, site)


def add_review_net_arguments(parser: argparse.ArgumentParser) -> None:
    """review --hl7/--fhir/--fhir-url/--site/--bed/--net-config."""
    parser.add_argument("--hl7", metavar="OUT", help="recordings: write an HL7 v2 ORU^R01 batch")
    parser.add_argument("--fhir", metavar="OUT", help="recordings: write a FHIR R4 Bundle (JSON)")
    parser.add_argument(
        "--fhir-url", metavar="URL", help="recordings: POST the FHIR Bundle as a transaction"
    )
    parser.add_argument("--site", default="clinic", help="site name in HL7 (default clinic)")
    parser.add_argument("--bed", default="review", help="bed name in HL7 (default review)")
    parser.add_argument(
        "--net-config",
        metavar="FILE",
        help="the clinic's network TOML: whether the patient ID may leave ([privacy])",
    )


def export_network(path: Path, resources, args: argparse.Namespace) -> None:
    """review --hl7/--fhir/--fhir-url."""
    if not (args.hl7 or args.fhir or args.fhir_url):
        return
    from ketamon.io.net.net_config import load_net_config
    from ketamon.io.net.recording_export import fhir_bundle, hl7_batch, post_bundle

    allowed = load_net_config(Path(args.net_config) if args.net_config else None).send_patient_id
    if args.hl7:
        text = hl7_batch(path, resources, args.site, args.bed, allowed)
        Path(args.hl7).write_text(text, encoding="utf-8", newline="")
        log.info("wrote %s", args.hl7)
    if args.fhir or args.fhir_url:
        bundle = fhir_bundle(path, resources, allowed)
        if args.fhir:
            Path(args.fhir).write_text(json.dumps(bundle, indent=1), encoding="utf-8")
            log.info("wrote %s", args.fhir)
        if args.fhir_url:
            log.info("FHIR server answered HTTP %d", post_bundle(args.fhir_url, bundle))


def _quit_after_s(text: str) -> float:
    """Wall seconds, more than 0 and at most a week (checked like every number)."""
    from ketamon.core.config import ConfigError, check_number

    try:
        value = check_number(text, "argument", "--quit-after", 0, 7 * 24 * 3600)
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(exc.reason) from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be greater than 0 (got {text})")
    return value


def build_central_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ketamon central",
        description="Central station: one tile per bed publishing to the broker (read-only).",
    )
    parser.add_argument("--mqtt", required=True, metavar="URL", help="the clinic's MQTT broker")
    parser.add_argument("--site", default="clinic", help="site name (default clinic)")
    parser.add_argument(
        "--mqtt-config", metavar="FILE", help="TOML with the broker username/password/CA"
    )
    parser.add_argument("--quit-after", type=_quit_after_s, metavar="S", help="close after S s")
    parser.add_argument("--screenshot", metavar="PNG", help="save the window at --quit-after")
    return parser


def central(argv: list[str]) -> int:
    """`ketamon central --mqtt URL [--site NAME]`."""
    from ketamon.core.config import ConfigError
    from ketamon.io.net.mqtt_messages import check_name
    from ketamon.io.net.mqtt_subscriber import MqttSubscriber
    from ketamon.io.net.net_config import load_net_config, parse_mqtt_url

    parser = build_central_parser()
    args = parser.parse_args(argv)
    try:
        target = parse_mqtt_url(args.mqtt, check_name("site", args.site), "central")
    except ValueError as exc:
        parser.error(str(exc))
    try:
        config = load_net_config(Path(args.mqtt_config) if args.mqtt_config else None)
    except ConfigError as exc:
        log.error("cannot start: %s", exc)
        return 2
    from ketamon.ui.central_window import run_central

    def feed() -> MqttSubscriber:
        subscriber = MqttSubscriber(target, config)
        subscriber.start()
        return subscriber

    return run_central(feed, args.site, args.quit_after, args.screenshot)
