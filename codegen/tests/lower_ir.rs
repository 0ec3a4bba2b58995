//! Lowering on its own: the IR of one small document per construct, as a debug snapshot.
//! Review changes with `INSTA_UPDATE=always cargo test -p codegen --test lower_ir`.

fn lower(body: &str) -> codegen::ir::Api {
    let text = format!("openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\n{body}");
    let document = codegen::load::parse(&text).unwrap_or_else(|e| panic!("{e}"));
    codegen::lower::lower(&document).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn path_parameters_by_shape_and_style() {
    insta::assert_debug_snapshot!(lower(
        "paths:
  /w/{id}/{tags}/{point}/{filter}:
    get:
      operationId: get
      parameters:
        - { name: id, in: path, required: true, schema: { oneOf: [{ type: integer }, { type: string }] } }
        - { name: tags, in: path, required: true, style: label, schema: { type: array, items: { type: string } } }
        - { name: point, in: path, required: true, style: matrix, explode: true, schema: { type: object, properties: { x: { type: integer } } } }
        - { name: filter, in: path, required: true, content: { application/json: { schema: { type: object } } } }
      responses: { '204': { description: ok } }
"
    ));
}

#[test]
fn query_parameters_with_bounds_content_and_deep_object_arrays() {
    insta::assert_debug_snapshot!(lower(
        "paths:
  /s:
    get:
      operationId: search
      parameters:
        - { name: limit, in: query, schema: { type: integer, minimum: 1, maximum: 50, exclusiveMaximum: true } }
        - { name: where, in: query, content: { application/json: { schema: { type: object, properties: { a: { type: string } } } } } }
        - { name: expand, in: query, style: deepObject, explode: true, schema: { type: array, items: { type: string } } }
      responses: { '204': { description: ok } }
"
    ));
}

#[test]
fn references_into_paths_and_properties() {
    insta::assert_debug_snapshot!(lower(
        "paths:
  /a:
    get:
      operationId: a
      responses:
        '200':
          description: ok
          content: { application/json: { schema: { type: object, properties: { n: { type: integer } } } } }
  /b:
    get:
      operationId: b
      responses:
        '200':
          description: ok
          content: { application/json: { schema: { $ref: '#/paths/~1a/get/responses/200/content/application~1json/schema' } } }
components:
  schemas:
    Shape: { type: object, properties: { corner: { type: object, properties: { x: { type: number } } } } }
    Box: { type: object, properties: { at: { $ref: '#/components/schemas/Shape/properties/corner' } } }
"
    ));
}

#[test]
fn pagination_walks_optional_and_nullable_fields() {
    insta::assert_debug_snapshot!(lower(
        "paths:
  /l:
    get:
      operationId: list
      x-pagination: { items: /data/items, next-url: /paging/next }
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                type: object
                required: [data]
                properties:
                  data: { type: object, properties: { items: { type: array, items: { type: string } } } }
                  paging: { type: object, nullable: true, properties: { next: { type: string } } }
"
    ));
}

#[test]
fn bodies_that_are_not_objects() {
    insta::assert_debug_snapshot!(lower(
        "paths:
  /f:
    post:
      operationId: form
      requestBody:
        content:
          application/x-www-form-urlencoded:
            schema: { oneOf: [{ type: object, properties: { a: { type: string } } }, { type: object, properties: { b: { type: string } } }] }
      responses: { '204': { description: ok } }
  /m:
    post:
      operationId: upload
      requestBody:
        content: { multipart/form-data: { schema: { type: string, format: binary } } }
      responses: { '204': { description: ok } }
"
    ));
}

#[test]
fn one_classification_for_components_and_inline_schemas() {
    // The same shapes as a component and inline: a plain string is a newtype only as a
    // component; an allOf of one typed member (here at index 1) and a oneOf/anyOf of one
    // member are that member; an empty oneOf is any JSON value; enums, objects and unions
    // get a named type either way.
    insta::assert_debug_snapshot!(lower(
        "components:
  schemas:
    Name: { type: string }
    Nothing: { oneOf: [] }
    Status: { allOf: [{ description: annotated }, { type: string, enum: [open, closed] }] }
    Holder:
      type: object
      properties:
        plain: { type: string }
        annotated: { allOf: [{ description: the name }, { $ref: '#/components/schemas/Name' }] }
        single: { anyOf: [{ type: integer }] }
        state: { type: string, enum: [on, off] }
        either: { oneOf: [{ type: integer }, { type: boolean }] }
        scalars: { allOf: [{ type: string }, { minLength: 1 }] }
paths:
  /h:
    get:
      operationId: holder
      responses:
        '200': { description: ok, content: { application/json: { schema: { $ref: '#/components/schemas/Holder' } } } }
        '202': { description: later, content: { text/csv: { schema: { type: string } } } }
  /t:
    get:
      operationId: text
      responses:
        '200': { description: ok, content: { text/csv: { schema: { type: string } } } }
"
    ));
}
