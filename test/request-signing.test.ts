import { describe, expect, it } from "vitest";
import {
  basicAuthorization,
  digestAuthorization,
  hmacSignature,
  stringToSign,
} from "../src/telesign/request-signing.ts";

// Vectors from Telesign's SDK tests.
const credential = { customerId: "FFFFFFFF-EEEE-DDDD-1234-AB1234567890", apiKey: "VGVzdCBLZXk=" };
const signed = {
  date: "Wed, 14 Dec 2016 18:20:12 GMT",
  nonce: "A1592C6F-E384-4CDB-BC42-C3AB970369E9",
  path: "/v1/resource",
};

describe("Telesign request signing", () => {
  it("signs a POST as Telesign's SDK does", () => {
    expect(
      digestAuthorization(credential, {
        ...signed,
        method: "POST",
        contentType: "application/x-www-form-urlencoded",
        body: "test=param",
      }),
    ).toBe("TSA FFFFFFFF-EEEE-DDDD-1234-AB1234567890:vXw/XzywdhgfEG2/zWLaFp7oXmjLB8iJDMndvDbZMjk=");
  });

  it("signs a GET, without a content type or body line, as Telesign's SDK does", () => {
    expect(digestAuthorization(credential, { ...signed, method: "GET", contentType: "" })).toBe(
      "TSA FFFFFFFF-EEEE-DDDD-1234-AB1234567890:wscyrZZtA7kdXu0i4D5KXyDmBcwH52JF1feiEKp+ir0=",
    );
  });

  it("builds Basic from customer id and API key as Telesign's SDK does", () => {
    expect(basicAuthorization(credential)).toBe(
      "Basic RkZGRkZGRkYtRUVFRS1ERERELTEyMzQtQUIxMjM0NTY3ODkwOlZHVnpkQ0JMWlhrPQ==",
    );
  });

  it("joins the parts with newlines and no trailing newline", () => {
    expect(stringToSign({ ...signed, method: "POST", contentType: "application/json", body: "{}" })).toBe(
      [
        "POST",
        "application/json",
        signed.date,
        "x-ts-auth-method:HMAC-SHA256",
        `x-ts-nonce:${signed.nonce}`,
        "{}",
        "/v1/resource",
      ].join("\n"),
    );
  });

  it("keys the HMAC with the base64-decoded API key", () => {
    // HMAC-SHA256(key = "Test Key", "test=param"), computed independently.
    expect(hmacSignature("VGVzdCBLZXk=", "test=param")).toBe("9tZAfQ2g6Dkftb00yxnV2+VscXXqZE/H3raRc1HDneY=");
  });
});
