import { UriTemplate } from "berth";
import { describe, expect, it } from "vitest";

describe("UriTemplate", () => {
  it.each([
    ["users://{id}/profile", "users://42/profile", { id: "42" }],
    ["file:///{+path}", "file:///a/b/c.txt", { path: "a/b/c.txt" }],
    ["docs://{name}", "docs://hello%20world", { name: "hello world" }],
    ["api://items{?page,size}", "api://items?size=10&page=2", { page: "2", size: "10" }],
    ["api://items{?page}", "api://items", {}],
    ["repo://{owner}/{repo}", "repo://a/b", { owner: "a", repo: "b" }],
    ["x://root{/seg}", "x://root/leaf", { seg: "leaf" }],
  ])("matches %s against %s", (template, uri, variables) => {
    expect(new UriTemplate(template).match(uri)).toEqual(variables);
  });

  it.each([
    ["users://{id}/profile", "users://42/settings"],
    ["users://{id}/profile", "users://a/b/profile"],
    ["docs://{name}", "other://x"],
  ])("does not match %s against %s", (template, uri) => {
    expect(new UriTemplate(template).match(uri)).toBeUndefined();
  });

  it("lists its variables and refuses malformed ones", () => {
    expect(new UriTemplate("a://{x}/{+y}{?z}").variables).toEqual(["x", "y", "z"]);
    expect(() => new UriTemplate("a://{x y}")).toThrow(/Bad URI template variable/);
  });
});
