import type { INamespace } from "protobufjs";

/**
 * The subset of opentelemetry-proto (v1.x: `collector/logs/v1/logs_service.proto`, `logs/v1/logs.proto`,
 * `common/v1/common.proto`, `resource/v1/resource.proto`) that OTLP/HTTP log export uses, plus
 * `google.rpc.Status` for error bodies, as a protobufjs JSON descriptor. Field numbers are the
 * upstream ones; shipped here so nothing is fetched or generated at run time. Field names are the
 * lowerCamelCase JSON names, so decoded messages have the same keys as OTLP/JSON.
 */
const f = (type: string, id: number, rule?: "repeated") => (rule ? { type, id, rule } : { type, id });

export const LOGS_PROTO: INamespace = {
  nested: {
    opentelemetry: {
      nested: {
        proto: {
          nested: {
            common: {
              nested: {
                v1: {
                  nested: {
                    AnyValue: {
                      oneofs: {
                        value: {
                          oneof: [
                            "stringValue",
                            "boolValue",
                            "intValue",
                            "doubleValue",
                            "arrayValue",
                            "kvlistValue",
                            "bytesValue",
                          ],
                        },
                      },
                      fields: {
                        stringValue: f("string", 1),
                        boolValue: f("bool", 2),
                        intValue: f("int64", 3),
                        doubleValue: f("double", 4),
                        arrayValue: f("ArrayValue", 5),
                        kvlistValue: f("KeyValueList", 6),
                        bytesValue: f("bytes", 7),
                      },
                    },
                    ArrayValue: { fields: { values: f("AnyValue", 1, "repeated") } },
                    KeyValueList: { fields: { values: f("KeyValue", 1, "repeated") } },
                    KeyValue: { fields: { key: f("string", 1), value: f("AnyValue", 2) } },
                    InstrumentationScope: {
                      fields: {
                        name: f("string", 1),
                        version: f("string", 2),
                        attributes: f("KeyValue", 3, "repeated"),
                        droppedAttributesCount: f("uint32", 4),
                      },
                    },
                  },
                },
              },
            },
            resource: {
              nested: {
                v1: {
                  nested: {
                    Resource: {
                      fields: {
                        attributes: f("opentelemetry.proto.common.v1.KeyValue", 1, "repeated"),
                        droppedAttributesCount: f("uint32", 2),
                      },
                    },
                  },
                },
              },
            },
            logs: {
              nested: {
                v1: {
                  nested: {
                    ResourceLogs: {
                      fields: {
                        resource: f("opentelemetry.proto.resource.v1.Resource", 1),
                        scopeLogs: f("ScopeLogs", 2, "repeated"),
                        schemaUrl: f("string", 3),
                      },
                    },
                    ScopeLogs: {
                      fields: {
                        scope: f("opentelemetry.proto.common.v1.InstrumentationScope", 1),
                        logRecords: f("LogRecord", 2, "repeated"),
                        schemaUrl: f("string", 3),
                      },
                    },
                    LogRecord: {
                      fields: {
                        timeUnixNano: f("fixed64", 1),
                        observedTimeUnixNano: f("fixed64", 11),
                        severityNumber: f("int32", 2),
                        severityText: f("string", 3),
                        body: f("opentelemetry.proto.common.v1.AnyValue", 5),
                        attributes: f("opentelemetry.proto.common.v1.KeyValue", 6, "repeated"),
                        droppedAttributesCount: f("uint32", 7),
                        flags: f("fixed32", 8),
                        traceId: f("bytes", 9),
                        spanId: f("bytes", 10),
                        eventName: f("string", 12),
                      },
                    },
                  },
                },
              },
            },
            collector: {
              nested: {
                logs: {
                  nested: {
                    v1: {
                      nested: {
                        ExportLogsServiceRequest: {
                          fields: {
                            resourceLogs: f("opentelemetry.proto.logs.v1.ResourceLogs", 1, "repeated"),
                          },
                        },
                        ExportLogsServiceResponse: {
                          fields: { partialSuccess: f("ExportLogsPartialSuccess", 1) },
                        },
                        ExportLogsPartialSuccess: {
                          fields: { rejectedLogRecords: f("int64", 1), errorMessage: f("string", 2) },
                        },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
    google: {
      nested: {
        rpc: {
          nested: {
            Status: { fields: { code: f("int32", 1), message: f("string", 2) } },
          },
        },
      },
    },
  },
};
