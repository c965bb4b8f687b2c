// programs.js — the WebGL programs the graph view draws with: sigma.js's own, drawn without
// instancing, and a one-pixel line for crowded views. Software WebGL (SwiftShader, what a
// browser without a usable GPU falls back to) pays per instance: drawn instanced, 20,000 edges
// took 1.4 s a frame, and drawn as plain vertex arrays 0.4 s.
import { NodeCircleProgram, createEdgeArrowHeadProgram, createEdgeClampedProgram,
  createEdgeCompoundProgram, EdgeProgram, getAttributeItemsCount } from "sigma/rendering";
import { floatColor } from "sigma/utils";

const { FLOAT, UNSIGNED_BYTE, LINES } = WebGLRenderingContext;
const itemsOf = (attributes) => attributes.reduce((n, a) => n + getAttributeItemsCount(a), 0);

// The program Base draws, with its per-vertex constants (CONSTANT_DATA) written into every
// item's vertices instead of shared by instances: the same shaders, one plain draw call.
export function unInstanced(Base) {
  return class extends Base {
    getDefinition() {
      const { CONSTANT_ATTRIBUTES, CONSTANT_DATA, ...def } = super.getDefinition();
      return CONSTANT_ATTRIBUTES ? { ...def, ATTRIBUTES: [...def.ATTRIBUTES, ...CONSTANT_ATTRIBUTES] } : def;
    }

    // Base writes one item's attributes into a scratch array; they are copied into each of the
    // item's vertices, followed by that vertex's constants.
    processVisibleItem(index, start, ...data) {
      if (!this.flat) {
        const def = super.getDefinition();
        this.flat = { constants: def.CONSTANT_DATA, scratch: new Float32Array(itemsOf(def.ATTRIBUTES)) };
      }
      const { constants, scratch } = this.flat, array = this.array;
      this.array = scratch;
      super.processVisibleItem(index, 0, ...data);
      this.array = array;
      for (const constant of constants) {
        array.set(scratch, start);
        array.set(constant, start + scratch.length);
        start += scratch.length + constant.length;
      }
    }
  };
}

const LINE_VERTEX = `
attribute vec2 a_position;
attribute vec4 a_color;
attribute vec4 a_id;
uniform mat3 u_matrix;
varying vec4 v_color;
void main() {
  gl_Position = vec4((u_matrix * vec3(a_position, 1)).xy, 0, 1);
  #ifdef PICKING_MODE
  v_color = a_id;
  #else
  v_color = a_color;
  #endif
  v_color.a *= 255.0 / 254.0; // sigma's bias, so that picking reads the id back exactly
}`;

const LINE_FRAGMENT = `
precision mediump float;
varying vec4 v_color;
void main() {
  gl_FragColor = v_color;
}`;

// Each edge as a GL line one pixel wide, without arrow head or antialiasing: a third of the
// pixels of sigma's own "line" (a rectangle with feathered sides) and no per-pixel arithmetic.
export class EdgeHairlineProgram extends EdgeProgram {
  getDefinition() {
    return {
      VERTICES: 2,
      VERTEX_SHADER_SOURCE: LINE_VERTEX,
      FRAGMENT_SHADER_SOURCE: LINE_FRAGMENT,
      METHOD: LINES,
      UNIFORMS: ["u_matrix"],
      ATTRIBUTES: [
        { name: "a_position", size: 2, type: FLOAT },
        { name: "a_color", size: 4, type: UNSIGNED_BYTE, normalized: true },
        { name: "a_id", size: 4, type: UNSIGNED_BYTE, normalized: true },
      ],
    };
  }

  processVisibleItem(edgeIndex, start, source, target, data) {
    const a = this.array, color = floatColor(data.color);
    for (const end of [source, target]) {
      a[start++] = end.x;
      a[start++] = end.y;
      a[start++] = color;
      a[start++] = edgeIndex;
    }
  }

  setUniforms(params, { gl, uniformLocations }) {
    gl.uniformMatrix3fv(uniformLocations.u_matrix, false, params.matrix);
    // Opaque lines need no blending (sigma turns it on for every program), and software WebGL
    // then writes each pixel rather than reading it first.
    gl.disable(gl.BLEND);
  }
}

// The program Program draws, made when it first has something to draw. Sigma makes every
// program it is given as it starts, and each waits for its shaders to compile: a view of
// hairlines has no use for arrows, and the highlighted nodes' layer may never be used.
export function lazy(Program) {
  return class {
    constructor(...args) {
      this.args = args;
      this.program = null;
    }

    get drawLabel() {
      return this.program && this.program.drawLabel;
    }

    get drawHover() {
      return this.program && this.program.drawHover;
    }

    reallocate(capacity) {
      if (capacity && !this.program) this.program = new Program(...this.args);
      if (this.program) this.program.reallocate(capacity);
    }

    process(...args) {
      this.program.process(...args);
    }

    render(params) {
      if (this.program) this.program.render(params);
    }

    kill() {
      if (this.program) this.program.kill();
    }
  };
}

// Sigma's settings for these programs, under the names of the ones they replace: "line" edges
// are hairlines.
export const PROGRAMS = {
  nodeProgramClasses: { circle: lazy(unInstanced(NodeCircleProgram)) },
  edgeProgramClasses: {
    arrow: lazy(createEdgeCompoundProgram([unInstanced(createEdgeClampedProgram()),
      unInstanced(createEdgeArrowHeadProgram())])),
    line: lazy(EdgeHairlineProgram),
  },
};
